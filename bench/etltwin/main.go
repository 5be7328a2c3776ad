// Command etltwin writes the ETL twin of a capture: its packets as a
// netsh trace or pktmon session would have logged them, once each, in
// uncompressed per-CPU buffers (bench.WriteETLTwin). bench/run.sh times
// softsa on the twin of the benchmark capture beside the capture itself.
//
//	go run ./bench/etltwin [-ndis] [-compressed] [-cpus 2] [-buffer 1048576] IN.pcapng OUT.etl
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"softsa/bench"
	"softsa/decoders/capture"
)

func main() {
	ndis := flag.Bool("ndis", false, "NDIS-PacketCapture 1001 events (netsh trace) instead of PktMon 160")
	cpus := flag.Int("cpus", 2, "per-CPU buffers the packets are spread over")
	bufSize := flag.Int("buffer", 1<<20, "buffer size in bytes")
	compressed := flag.Bool("compressed", false, "compressed buffers (plain LZ77), as pktmon writes")
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), bench.ETLTwinOptions{NDIS: *ndis, CPUs: *cpus, BufferSize: *bufSize, Compressed: *compressed}); err != nil {
		fmt.Fprintln(os.Stderr, "etltwin:", err)
		os.Exit(1)
	}
}

func run(in, out string, o bench.ETLTwinOptions) error {
	start := time.Now()
	c, err := capture.Open(in)
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	st, err := bench.WriteETLTwin(f, c, o)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return err
	}
	fmt.Printf("%s: %d bytes, %d frames (%d Linux-cooked ones as raw IP or Ethernet), %d buffers, in %v\n",
		out, st.Bytes, st.Frames, st.Relinked, st.Buffers, time.Since(start).Round(time.Millisecond))
	return nil
}
