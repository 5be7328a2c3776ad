// Command parseloop is the reference softsa's speed target is set against:
// readloop plus a gopacket DecodingLayerParser per link type decoding
// Ethernet, 802.1Q, Linux cooked capture, IPv4, IPv6, TCP and UDP
// (bench.ParseLoop). It prints the frames read and how many reached TCP or
// UDP.
//
//	go run ./bench/parseloop FILE
package main

import (
	"fmt"
	"os"

	"softsa/bench"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: parseloop FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "parseloop:", err)
		os.Exit(1)
	}
	defer f.Close()
	st, err := bench.ParseLoop(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "parseloop:", err)
		os.Exit(1)
	}
	fmt.Printf("frames %d bytes %d tcp %d udp %d\n", st.Frames, st.Bytes, st.TCP, st.UDP)
}
