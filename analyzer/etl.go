package analyzer

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"softsa/analyzer/result"
	"softsa/decoders"
	"softsa/decoders/capture"
	"softsa/decoders/etl"
)

// maxDroppedKept bounds the pktmon-dropped frames remembered for the
// evidence: beyond it the evidence citing a later one is not marked (the
// count in the ETL counts still says how many there were).
const maxDroppedKept = 4096

// etlState is what the analysis keeps of an ETL capture's own frames: the
// WFP layer's packets, counted and kept away from the pairs, and the
// frames pktmon logged as dropped, remembered to mark the evidence.
type etlState struct {
	wfp       map[pairKey]int
	wfpFrames int
	wfpOther  int // of pairs beyond MaxPairs, or with no valid addresses
	dropped   []droppedFrame
}

type droppedFrame struct {
	frame  int
	reason uint32
}

// addWFP counts a WFP-layer frame for its pair. It never reaches the pair
// itself: the WFP layer is above IPsec, so a packet that was ESP on the
// wire is seen decrypted there and would pass for clear traffic.
func (a *analysis) addWFP(m *decoders.Message) {
	a.etl.wfpFrames++
	if m.IPVersion == 0 || !m.Src.IsValid() || !m.Dst.IsValid() || m.Src == m.Dst {
		a.etl.wfpOther++
		return
	}
	if a.etl.wfp == nil {
		a.etl.wfp = make(map[pairKey]int)
	}
	k := keyOf(m.Src, m.Dst)
	if _, ok := a.etl.wfp[k]; !ok && len(a.etl.wfp) >= a.opts.MaxPairs {
		a.etl.wfpOther++
		return
	}
	a.etl.wfp[k]++
}

// noteDropped remembers a frame pktmon logged as dropped. Frames come in
// order, so the list stays sorted.
func (a *analysis) noteDropped(m *decoders.Message) {
	if len(a.etl.dropped) < maxDroppedKept {
		a.etl.dropped = append(a.etl.dropped, droppedFrame{m.Frame, m.DropReason})
	}
}

// droppedReason returns the drop reason of frame, if pktmon logged it as
// dropped.
func (a *analysis) droppedReason(frame int) (uint32, bool) {
	d := a.etl.dropped
	i, ok := slices.BinarySearchFunc(d, frame, func(x droppedFrame, f int) int { return cmp.Compare(x.frame, f) })
	if ok {
		return d[i].reason, true
	}
	return 0, false
}

// DroppedNote is what the evidence says of a frame pktmon logged as
// dropped: pktmon saw the packet, and a component of the Windows stack
// dropped it after (or where) it was logged.
func DroppedNote(reason uint32) string {
	return fmt.Sprintf("pktmon logged it as dropped by the Windows stack, drop reason %d", reason)
}

// markDropped appends DroppedNote to the evidence of every finding that
// cites a frame pktmon logged as dropped.
func (a *analysis) markDropped(r *result.CaptureResult) {
	if len(a.etl.dropped) == 0 {
		return
	}
	for i := range r.Pairs {
		for j := range r.Pairs[i].Findings {
			ev := r.Pairs[i].Findings[j].Evidence
			for k := range ev {
				if reason, ok := a.droppedReason(ev[k].Frame); ok {
					ev[k].What += " (" + DroppedNote(reason) + ")"
				}
			}
		}
	}
}

// wfpResult fills the pairs' WFP-layer counts and the capture's WFPLayer.
func (a *analysis) wfpResult(r *result.CaptureResult, keys []pairKey) {
	if a.etl.wfpFrames == 0 {
		return
	}
	other := a.etl.wfpOther
	seen := make(map[pairKey]bool, len(keys))
	for i, k := range keys {
		r.Pairs[i].WFPPackets = a.etl.wfp[k]
		seen[k] = true
	}
	for k, n := range a.etl.wfp {
		if !seen[k] {
			other += n
		}
	}
	wire := a.frames - a.etl.wfpFrames
	w := &result.WFPLayer{Packets: a.etl.wfpFrames, OtherPairs: other, WireFrames: wire}
	if wire == 0 {
		w.Note = fmt.Sprintf("all %d packets of this capture were logged at the WFP layer, above IPsec (decrypted): the analysis cannot see the wire, "+
			"so it cannot tell ESP from clear traffic and reports no pair; capture the wire too (netsh trace start capture=yes, or pktmon start --capture)", w.Packets)
	} else {
		w.Note = fmt.Sprintf("%d packets were seen decrypted at the WFP layer, above IPsec: they are counted per pair (wfp_packets) and not analysed, "+
			"since they do not show what went on the wire", w.Packets)
	}
	r.WFPLayer = w
}

// etlCounts turns the ETL reader's counts into the report's.
func etlCounts(st etl.Stats) *result.ETLCounts {
	return &result.ETLCounts{
		Events: st.Events, Packets: st.Packets, Folded: st.Folded, Dropped: st.Dropped,
		OtherProviders: st.OtherProviders, Incomplete: st.Incomplete, OutOfOrder: st.OutOfOrder,
		DamagedBuffers: st.DamagedBuffers,
		Layers: map[string]int{
			etl.LayerWire.String(): st.Frames - st.WFPFrames,
			etl.LayerWFP.String():  st.WFPFrames,
		},
	}
}

// convertCommand is the command that writes the pcapng file whose frame
// numbers are an ETL capture's in the report: softsa convert writes frame
// N of the analysis as frame N.
func convertCommand(name string) string {
	out := strings.TrimSuffix(name, ".gz")
	if i := strings.LastIndexByte(out, '.'); i > strings.LastIndexAny(out, `/\`) {
		out = out[:i]
	}
	return "softsa convert " + shellQuote(name) + " -o " + shellQuote(out+".pcapng")
}

// shellQuote quotes s for a shell when it holds anything but the
// characters paths usually have. Plain double quotes work in cmd.exe,
// PowerShell and POSIX shells alike for a path without ", $ and ` (a
// Windows path's backslashes stay as they are: Go's %q doubled them,
// which cmd.exe does not undo); a path with one of those is quoted for a
// POSIX shell, in single quotes, where nothing expands.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(`-_./\:+,`, c))
	}) < 0 {
		return s
	}
	if !strings.ContainsAny(s, "\"$`") {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// etlSource is what an ETL capture offers the analysis beyond frames.
type etlSource interface {
	ETLStats() (etl.Stats, bool)
}

// etlInfo fills the report's ETL fields for an ETL capture.
func etlInfo(r *result.CaptureResult, c Source) {
	s, ok := c.(etlSource)
	if !ok {
		return
	}
	st, ok := s.ETLStats()
	if !ok {
		return
	}
	r.ETL = etlCounts(st)
	r.FrameNumbers = convertCommand(c.Name())
}

var _ etlSource = (*capture.Capture)(nil)
