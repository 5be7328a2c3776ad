package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"softsa/analyzer"
	"softsa/analyzer/result"
	"softsa/decoders"
	"softsa/decoders/capture"
	"softsa/report"
)

// The benchmarks run over one mixed capture: the file SOFTSA_BENCH_CAPTURE
// names, or one of SOFTSA_BENCH_SIZE bytes (64 MiB by default) written to a
// temporary folder on first use and removed at the end. Each reports MB/s of
// the file (b.SetBytes) and frames/s, so their lines compare directly:
//
//	go test ./bench -run XXX -bench . -benchtime 3x
//	SOFTSA_BENCH_CAPTURE=/tmp/softsa-1g.pcapng go test ./bench -run XXX -bench . -benchtime 1x

var (
	capOnce sync.Once
	capPath string
	capErr  error
	tmpDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// benchCapture returns the benchmark capture's path and size.
func benchCapture(b *testing.B) (string, int64) {
	b.Helper()
	capOnce.Do(func() {
		if p := os.Getenv("SOFTSA_BENCH_CAPTURE"); p != "" {
			capPath = p
			return
		}
		size := int64(64 << 20)
		if s := os.Getenv("SOFTSA_BENCH_SIZE"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				capErr = fmt.Errorf("SOFTSA_BENCH_SIZE=%q: want a number of bytes", s)
				return
			}
			size = n
		}
		if tmpDir, capErr = os.MkdirTemp("", "softsa-bench-"); capErr != nil {
			return
		}
		capPath = filepath.Join(tmpDir, "mixed.pcapng")
		f, err := os.Create(capPath)
		if err != nil {
			capErr = err
			return
		}
		_, capErr = WriteMixed(f, MixedOptions{Size: size})
		if err := f.Close(); capErr == nil {
			capErr = err
		}
	})
	if capErr != nil {
		b.Fatal(capErr)
	}
	st, err := os.Stat(capPath)
	if err != nil {
		b.Fatal(err)
	}
	return capPath, st.Size()
}

// run times fn over the capture, reporting MB/s and frames/s.
func run(b *testing.B, fn func(f *os.File) (frames int, err error)) {
	path, size := benchCapture(b)
	b.SetBytes(size)
	b.ReportAllocs()
	frames := 0
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		n, err := fn(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		frames += n
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkReadLoop is the floor: pcapgo's zero-copy read loop.
func BenchmarkReadLoop(b *testing.B) {
	run(b, func(f *os.File) (int, error) {
		st, err := ReadLoop(f)
		return st.Frames, err
	})
}

// BenchmarkParseLoop is the reference: the read loop plus a
// DecodingLayerParser down to TCP and UDP.
func BenchmarkParseLoop(b *testing.B) {
	run(b, func(f *os.File) (int, error) {
		st, err := ParseLoop(f)
		return st.Frames, err
	})
}

// BenchmarkCapture is softsa's capture reader alone (format sniffing,
// frame numbering, link types).
func BenchmarkCapture(b *testing.B) {
	run(b, func(f *os.File) (int, error) {
		c, err := capture.NewCapture(f.Name(), f)
		if err != nil {
			return 0, err
		}
		var fr capture.Frame
		for {
			if err := c.Next(&fr); err != nil {
				if errors.Is(err, io.EOF) {
					return c.Frames(), nil
				}
				return c.Frames(), err
			}
		}
	})
}

// BenchmarkDecode is the capture reader plus softsa's decoder (link, IP
// with reassembly, TCP, UDP, ESP, NAT-T, application dispatch).
func BenchmarkDecode(b *testing.B) {
	run(b, func(f *os.File) (int, error) {
		c, err := capture.NewCapture(f.Name(), f)
		if err != nil {
			return 0, err
		}
		dec := decoders.NewDecoder()
		var (
			fr capture.Frame
			m  decoders.Message
		)
		for {
			if err := c.Next(&fr); err != nil {
				if errors.Is(err, io.EOF) {
					return c.Frames(), nil
				}
				return c.Frames(), err
			}
			dec.Decode(&fr, &m)
		}
	})
}

// BenchmarkAnalyze is the whole analysis, as softsa runs it, without the
// report.
func BenchmarkAnalyze(b *testing.B) {
	run(b, func(f *os.File) (int, error) {
		c, err := capture.NewCapture(f.Name(), f)
		if err != nil {
			return 0, err
		}
		r, err := analyzer.Analyze(context.Background(), c, analyzer.Options{})
		if err != nil {
			return 0, err
		}
		return r.Frames, nil
	})
}

// BenchmarkReportJSON is the JSON report of the capture's analysis, which
// softsa writes after the analysis: the analysis runs once, untimed.
func BenchmarkReportJSON(b *testing.B) {
	path, _ := benchCapture(b)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	c, err := capture.NewCapture(f.Name(), f)
	if err != nil {
		b.Fatal(err)
	}
	cr, err := analyzer.Analyze(context.Background(), c, analyzer.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	cr.File = path
	res := result.NewResult("bench", *cr)
	n := countWriter{w: io.Discard}
	if err := report.JSON(&n, &res); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n.n)
	b.ReportAllocs()
	for b.Loop() {
		if err := report.JSON(io.Discard, &res); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteMixed is the capture writer itself, into memory.
func BenchmarkWriteMixed(b *testing.B) {
	const size = 32 << 20
	b.SetBytes(size)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if _, err := WriteMixed(&buf, MixedOptions{Size: size}); err != nil {
			b.Fatal(err)
		}
	}
}

// The ETL twin of the benchmark capture (WriteETLTwin: PktMon framing,
// every packet once, uncompressed 1 MiB buffers of two CPUs): the file
// SOFTSA_BENCH_ETL names, or one written next to the capture on first use.
var (
	etlOnce sync.Once
	etlPath string
	etlErr  error
)

// benchETL returns the ETL twin's path and size.
func benchETL(b *testing.B) (string, int64) {
	b.Helper()
	pcap, _ := benchCapture(b)
	etlOnce.Do(func() {
		if p := os.Getenv("SOFTSA_BENCH_ETL"); p != "" {
			etlPath = p
			return
		}
		if tmpDir == "" {
			if tmpDir, etlErr = os.MkdirTemp("", "softsa-bench-"); etlErr != nil {
				return
			}
		}
		etlPath = filepath.Join(tmpDir, "twin.etl")
		c, err := capture.Open(pcap)
		if err != nil {
			etlErr = err
			return
		}
		defer c.Close()
		f, err := os.Create(etlPath)
		if err != nil {
			etlErr = err
			return
		}
		_, etlErr = WriteETLTwin(f, c, ETLTwinOptions{})
		if err := f.Close(); etlErr == nil {
			etlErr = err
		}
	})
	if etlErr != nil {
		b.Fatal(etlErr)
	}
	st, err := os.Stat(etlPath)
	if err != nil {
		b.Fatal(err)
	}
	return etlPath, st.Size()
}

// runETL is run over the ETL twin; MB/s is of the pcapng capture's size,
// so that the figures compare with the other benchmarks' directly.
func runETL(b *testing.B, fn func(f *os.File) (frames int, err error)) {
	_, size := benchCapture(b)
	path, _ := benchETL(b)
	b.SetBytes(size)
	b.ReportAllocs()
	frames := 0
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		n, err := fn(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		frames += n
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkCaptureETL is BenchmarkCapture on the ETL twin.
func BenchmarkCaptureETL(b *testing.B) {
	runETL(b, func(f *os.File) (int, error) {
		c, err := capture.NewCapture(f.Name(), f)
		if err != nil {
			return 0, err
		}
		var fr capture.Frame
		for {
			if err := c.Next(&fr); err != nil {
				if errors.Is(err, io.EOF) {
					return c.Frames(), nil
				}
				return c.Frames(), err
			}
		}
	})
}

// BenchmarkAnalyzeETL is BenchmarkAnalyze on the ETL twin: the issue's
// target is at most twice BenchmarkAnalyze's time.
func BenchmarkAnalyzeETL(b *testing.B) {
	runETL(b, func(f *os.File) (int, error) {
		c, err := capture.NewCapture(f.Name(), f)
		if err != nil {
			return 0, err
		}
		r, err := analyzer.Analyze(context.Background(), c, analyzer.Options{})
		if err != nil {
			return 0, err
		}
		return r.Frames, nil
	})
}
