package batch

import (
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// Ring buffers: dumpcap, tcpdump -W, NetMon and netsh write a capture as a
// series of files that continue each other (x_00001_20240101120000.pcapng,
// x_00002_…; trace1.pcap, trace2.pcap). A KB 977526 cycle of several minutes
// easily spans two of them, so softsa can analyse such a set as one capture.

// ringName splits a file name into the part that is the same across a ring
// set and the file's number in it: the last run of digits before the
// extension, with dumpcap's _YYYYMMDDhhmmss stamp after it ignored.
var ringName = regexp.MustCompile(`^(.*?)(\d+)(_\d{14})?((?:\.[A-Za-z0-9]+)+)$`)

// RingMember is a file's place in a ring-buffer set.
type RingMember struct {
	Path  string
	First time.Time // the first frame's time
	Last  time.Time // the last frame's time (zero when unknown)
}

// RingMaxGap is the longest silence between one file's last frame and the
// next file's first that still counts as continuing.
const RingMaxGap = 5 * time.Minute

// RingSets groups files into ring-buffer sets: same folder, same name but
// for the number, and each file starting where the previous one left off
// (or, when last times are unknown, after it started). Sets are ordered by
// number; files that belong to no set of two or more are left out.
func RingSets(files []RingMember) [][]RingMember {
	type key struct{ dir, stem, ext string }
	groups := map[key][]RingMember{}
	nums := map[string]int{}
	var keys []key
	for _, f := range files {
		m := ringName.FindStringSubmatch(filepath.Base(f.Path))
		if m == nil || f.First.IsZero() {
			continue
		}
		k := key{filepath.Dir(f.Path), m[1], m[4]}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		n, _ := strconv.Atoi(m[2])
		nums[f.Path] = n
		groups[k] = append(groups[k], f)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].dir != keys[j].dir {
			return keys[i].dir < keys[j].dir
		}
		return keys[i].stem+keys[i].ext < keys[j].stem+keys[j].ext
	})
	var sets [][]RingMember
	for _, k := range keys {
		g := groups[k]
		sort.Slice(g, func(i, j int) bool { return nums[g[i].Path] < nums[g[j].Path] })
		run := []RingMember{g[0]}
		flush := func() {
			if len(run) > 1 {
				sets = append(sets, run)
			}
		}
		for _, f := range g[1:] {
			if continues(run[len(run)-1], f) {
				run = append(run, f)
				continue
			}
			flush()
			run = []RingMember{f}
		}
		flush()
	}
	return sets
}

// continues reports whether b picks up where a left off.
func continues(a, b RingMember) bool {
	if b.First.Before(a.First) {
		return false
	}
	if a.Last.IsZero() {
		return true
	}
	gap := b.First.Sub(a.Last)
	return gap >= -time.Second && gap <= RingMaxGap
}

// RingGroups tells, from the names alone, which paths could form a
// ring-buffer set: group[i] numbers the set of names path i shares with
// at least one other path (same folder, same name but for the number), or
// is -1. Whether they are a set is known only once their frames' times are
// (RingSets); until then a caller that streams results holds back just
// these.
func RingGroups(paths []string) []int {
	type key struct{ dir, stem, ext string }
	keys := make([]key, len(paths))
	count := map[key]int{}
	for i, p := range paths {
		m := ringName.FindStringSubmatch(filepath.Base(p))
		if m == nil {
			keys[i] = key{dir: "\x00"} // no ring name: a group of its own
			continue
		}
		keys[i] = key{filepath.Dir(p), m[1], m[4]}
		count[keys[i]]++
	}
	ids := map[key]int{}
	group := make([]int, len(paths))
	for i, k := range keys {
		group[i] = -1
		if count[k] < 2 {
			continue
		}
		id, ok := ids[k]
		if !ok {
			id = len(ids)
			ids[k] = id
		}
		group[i] = id
	}
	return group
}
