// Package bench measures softsa against the cost of just reading a capture.
//
// WriteMixed writes a large mixed capture by tiling the sample generator's
// scenarios (samples/gen/synth) over time and address space; cmd bigcap
// writes it to a file. The Go benchmarks in this package time the analysis,
// a bare pcapgo read loop and a read + DecodingLayerParser loop over the
// same capture, so their MB/s can be compared side by side; bench/run.sh
// does the same with whole processes, tshark and peak RSS. See README.md.
package bench
