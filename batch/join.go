package batch

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"softsa/analyzer/result"
	"softsa/decoders/capture"
)

// Join replaces the files of each ring-buffer set among inputs by one input
// that analyses them as one capture (Input.Join), calling note for each set
// joined. The result is ordered by path.
func Join(inputs []Input, note func(format string, args ...any)) []Input {
	var members []RingMember
	for _, in := range inputs {
		if in.Err == nil {
			if t, ok := firstFrameTime(in.Path); ok {
				members = append(members, RingMember{Path: in.Path, First: t})
			}
		}
	}
	joined := map[string]bool{}
	var out []Input
	for _, set := range RingSets(members) {
		in := Input{}
		for _, m := range set {
			joined[m.Path] = true
			in.Join = append(in.Join, m.Path)
		}
		for _, x := range inputs {
			if joined[x.Path] {
				in.Size += x.Size
				in.Named = in.Named || x.Named
				for _, h := range x.HostLogs {
					if !slices.Contains(in.HostLogs, h) {
						in.HostLogs = append(in.HostLogs, h)
					}
				}
			}
		}
		in.Path = strings.Join(in.Join, " + ")
		note("joining %d ring-buffer files: %s", len(set), in.Path)
		out = append(out, in)
	}
	for _, in := range inputs {
		if !joined[in.Path] {
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// firstFrameTime reads the time of a capture's first frame.
func firstFrameTime(path string) (time.Time, bool) {
	c, err := capture.Open(path)
	if err != nil {
		return time.Time{}, false
	}
	defer c.Close()
	var f capture.Frame
	if c.Next(&f) != nil {
		return time.Time{}, false
	}
	return f.Time, true
}

// MarkRingSets warns, on each capture of a ring-buffer set analysed file by
// file, that a cycle spanning two files is found only with --join.
func MarkRingSets(caps []result.CaptureResult) {
	var members []RingMember
	index := map[string]int{}
	for i, c := range caps {
		if c.Error == "" && c.Frames > 0 {
			members = append(members, RingMember{Path: c.File, First: c.First.Time, Last: c.Last.Time})
			index[c.File] = i
		}
	}
	for _, set := range RingSets(members) {
		names := make([]string, len(set))
		for i, m := range set {
			names[i] = filepath.Base(m.Path)
		}
		msg := fmt.Sprintf("this file looks like part of a ring-buffer set (%s): a cycle that spans two files is found only with --join", strings.Join(names, ", "))
		for _, m := range set {
			c := &caps[index[m.Path]]
			c.Warnings = append(c.Warnings, msg)
		}
	}
}
