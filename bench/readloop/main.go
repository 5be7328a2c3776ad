// Command readloop is the floor softsa is measured against: a bare pcapgo
// zero-copy read loop over a pcap or pcapng file (bench.ReadLoop). It
// prints the frames and captured bytes read.
//
//	go run ./bench/readloop FILE
package main

import (
	"fmt"
	"os"

	"softsa/bench"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: readloop FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "readloop:", err)
		os.Exit(1)
	}
	defer f.Close()
	st, err := bench.ReadLoop(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "readloop:", err)
		os.Exit(1)
	}
	fmt.Printf("frames %d bytes %d\n", st.Frames, st.Bytes)
}
