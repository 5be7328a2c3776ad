package report

import (
	"fmt"
	"strings"

	"softsa/analyzer/result"
)

// What the reports say of an ETL capture only (result.ETLInfo): where its
// frame numbers come from, what the ETL reader counted, and the packets of
// the WFP layer. Text and HTML word it the same way.

// frameNumbersNote says which file a capture's frame numbers are those of,
// or "" when they are the capture's own.
func frameNumbersNote(c *result.CaptureResult) string {
	if c.FrameNumbers == "" {
		return ""
	}
	return "frame numbers are those of the pcapng file `" + c.FrameNumbers + "` writes (Wireshark cannot open an .etl)"
}

// etlCountsLine is the ETL reader's counts in one line, or "".
func etlCountsLine(c *result.CaptureResult) string {
	e := c.ETL
	if e == nil {
		return ""
	}
	parts := []string{
		fmt.Sprintf("%d events", e.Events),
		fmt.Sprintf("%d packet events", e.Packets),
		fmt.Sprintf("%d copies folded", e.Folded),
		fmt.Sprintf("%d dropped by pktmon", e.Dropped),
		fmt.Sprintf("%d events of other providers skipped", e.OtherProviders),
	}
	for _, x := range []struct {
		n    int
		what string
	}{{e.Incomplete, "incomplete"}, {e.OutOfOrder, "out of order"}, {e.DamagedBuffers, "damaged buffers"}} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	line := "ETL: " + strings.Join(parts, ", ")
	if wfp := e.Layers["wfp"]; wfp > 0 {
		line += fmt.Sprintf("; frames: %d wire, %d WFP layer", e.Layers["wire"], wfp)
	}
	return line
}

// wfpNote is what the report says of the WFP layer's packets, or "".
func wfpNote(c *result.CaptureResult) string {
	if c.WFPLayer == nil {
		return ""
	}
	return "WFP layer: " + c.WFPLayer.Note
}

// wireUnseen reports whether the capture held only packets of the WFP
// layer: no pair can be judged, and "no traffic" would be untrue.
func wireUnseen(c *result.CaptureResult) bool {
	return c.WFPLayer != nil && c.WFPLayer.WireFrames == 0
}
