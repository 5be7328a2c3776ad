package main

import (
	"fmt"

	"github.com/schollz/progressbar/v3"

	"softsa/batch"
)

// progress shows files and bytes done on stderr while a batch runs, only
// when stderr is a terminal: a pipe or a log file gets nothing of it.
type progress struct {
	bar         *progressbar.ProgressBar
	files, done int
}

func newProgress(s ioStreams, inputs []batch.Input, quiet bool) *progress {
	if quiet || !s.errTerminal || len(inputs) < 2 {
		return &progress{}
	}
	var total int64
	for _, in := range inputs {
		total += in.Size
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(s.err),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionThrottle(100*1e6),
		progressbar.OptionClearOnFinish(),
	)
	p := &progress{bar: bar, files: len(inputs)}
	p.describe()
	return p
}

func (p *progress) describe() {
	p.bar.Describe(fmt.Sprintf("%d/%d captures", p.done, p.files))
}

// add is called once per finished input (batch.Run serialises the calls).
func (p *progress) add(in batch.Input) {
	if p.bar != nil {
		p.done++
		p.describe()
		p.bar.Add64(in.Size)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
