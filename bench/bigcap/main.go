// Command bigcap writes a large mixed pcapng capture for benchmarking:
//
//	go run ./bench/bigcap -size 1GiB -o /tmp/softsa-1g.pcapng
//
// The capture tiles softsa's sample scenarios (KB 977526 loops over SMB1,
// healthy IKEv1, AuthIP and IKEv2 with NAT-T and ESP, fallbacks, failed
// negotiations, a busy office with SMB2, DNS and HTTP) plus clear SMB2
// copies, over time and over address blocks; see package bench. The same
// flags always give the same bytes. Memory stays under 100 MB (the
// scenarios, generated once) whatever the size.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"softsa/bench"
)

func main() {
	size := flag.String("size", "1GiB", "capture size: a number of bytes with an optional KB, MB, GB (10^3) or KiB, MiB, GiB (2^10) suffix")
	out := flag.String("o", "", "output file (required; keep big files under /tmp)")
	overlap := flag.Int("overlap", bench.DefaultOverlap, "tiles in flight at once")
	blocks := flag.Int("blocks", bench.DefaultBlocks, "address blocks before addresses repeat (bounds the number of pairs)")
	flag.Parse()
	n, err := parseSize(*size)
	if err != nil || *out == "" || flag.NArg() > 0 {
		if err != nil {
			fmt.Fprintln(os.Stderr, "bigcap:", err)
		}
		flag.Usage()
		os.Exit(2)
	}
	start := time.Now()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigcap:", err)
		os.Exit(1)
	}
	st, err := bench.WriteMixed(f, bench.MixedOptions{Size: n, Overlap: *overlap, Blocks: *blocks})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigcap:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d bytes, %d frames, %d tiles of %d scenarios, %s to %s, in %v\n", *out, st.Bytes, st.Frames,
		st.Tiles, st.Scenarios, st.First.Format(time.RFC3339), st.Last.Format(time.RFC3339), time.Since(start).Round(time.Millisecond))
}

// parseSize reads "1GiB", "512MiB", "100MB", "4096" and the like.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	mult := int64(1)
	num := strings.TrimSpace(s)
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(num), strings.ToUpper(u.suffix)) {
			num, mult = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return int64(v * float64(mult)), nil
}
