// Command gen writes softsa's sample captures and their expected verdicts:
//
//	go run ./samples/gen [-o samples] [-only NAME]
//
// Each scenario of samples/gen/synth becomes NAME.pcapng (or .pcap) and
// NAME.expected.json in the output directory. The same scenario always gives
// the same bytes, so the committed samples can be checked by regenerating
// them.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"softsa/samples/gen/synth"
)

func main() {
	out := flag.String("o", "samples", "output directory")
	only := flag.String("only", "", "write only the scenario with this name")
	flag.Parse()
	if err := run(*out, *only); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir, only string) error {
	found := false
	for _, sc := range synth.Scenarios() {
		if only != "" && sc.Name != only {
			continue
		}
		found = true
		o, err := synth.Generate(sc)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, sc.FileName()), o.Capture, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, sc.Name+".expected.json"), o.ExpectedJSON(), 0o644); err != nil {
			return err
		}
		fmt.Printf("%-32s %9d bytes %7d frames %3d pairs\n", sc.FileName(), len(o.Capture), o.Frames, len(o.Expected.Pairs))
	}
	if !found {
		return fmt.Errorf("no scenario named %q", only)
	}
	return nil
}
