package etl_test

import (
	"bytes"
	"container/heap"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"softsa/decoders/etl"
	"softsa/decoders/etl/etltest"
)

// twinPacket is packet id's payload of n bytes (n >= 8), the id first.
func twinPacket(id, n int) []byte {
	p := make([]byte, n)
	for k := range p {
		p[k] = byte(id*13 + k)
	}
	binary.BigEndian.PutUint32(p, uint32(id))
	return p
}

// windowModel is the reordering window as documented: frames are taken in
// in file order (arrival, ids in that order); while MaxPendingFrames (or the window set) are pending or
// their payloads, each rounded up to 128 bytes, reach MaxPendingBytes, or
// no earlier frame can come (below), the earliest (by time, then arrival)
// goes; at the end, all go in that order. It returns the frames' ids in
// delivery order, and for each how many frames had come when it went.
//
// No earlier frame can come once each of the header's processors (cpus)
// has logged a frame, and the earliest pending is 1 ms or more before the
// latest frame of every CPU; a frame of a CPU beyond that count, or one
// more than 1 ms before its CPU's latest, ends that rule for the rest of
// the file.
func windowModel(arrival []int, cpuOf []int, times []time.Duration, sizes []int, window, cpus int) (ids, came []int) {
	pend := &modelHeap{times: times, seq: make([]int, len(arrival))}
	for i, id := range arrival {
		pend.seq[id] = i
	}
	bytes, arrived := 0, 0
	popMin := func() {
		id := heap.Pop(pend).(int)
		ids, came = append(ids, id), append(came, arrived)
		bytes -= (sizes[id] + 127) &^ 127
	}
	last := map[int]time.Duration{}
	early := cpus > 0
	noneEarlier := func() bool {
		if !early || len(last) < cpus || pend.Len() == 0 {
			return false
		}
		for _, t := range last {
			if times[pend.ids[0]] > t-time.Millisecond {
				return false
			}
		}
		return true
	}
	for _, id := range arrival {
		heap.Push(pend, id)
		arrived++
		bytes += (sizes[id] + 127) &^ 127
		c, at := cpuOf[id], times[id]
		if t, ok := last[c]; c >= cpus {
			early = false
		} else if !ok || at > t {
			last[c] = at
		} else if at < t-time.Millisecond {
			early = false
		}
		for pend.Len() >= window || bytes >= etl.MaxPendingBytes || noneEarlier() {
			popMin()
		}
	}
	for pend.Len() > 0 {
		popMin()
	}
	return ids, came
}

// modelHeap is a container/heap of frame ids by time, then arrival.
type modelHeap struct {
	ids   []int
	times []time.Duration
	seq   []int // arrival of each id
}

func (h *modelHeap) Len() int { return len(h.ids) }
func (h *modelHeap) Less(i, j int) bool {
	a, b := h.ids[i], h.ids[j]
	return h.times[a] < h.times[b] || h.times[a] == h.times[b] && h.seq[a] < h.seq[b]
}
func (h *modelHeap) Swap(i, j int) { h.ids[i], h.ids[j] = h.ids[j], h.ids[i] }
func (h *modelHeap) Push(x any)    { h.ids = append(h.ids, x.(int)) }
func (h *modelHeap) Pop() any {
	x := h.ids[len(h.ids)-1]
	h.ids = h.ids[:len(h.ids)-1]
	return x
}

// TestWindowMatchesModel: the window delivers frames in the order of
// windowModel, with their bytes, however the file's buffers interleave:
// CPUs whose buffers overlap in time, frames late by more than the window,
// equal times, buffers of every size, compressed or not, and frames large
// enough for the byte bound to be the one that holds.
func TestWindowMatchesModel(t *testing.T) {
	for _, tc := range []struct {
		name           string
		frames         int
		window         int
		minLen, spread int
		processors     int // the logfile header's count (3 CPUs log)
		clean          int // frames before the first damaged stamp can come
	}{
		{"small window", 6000, 50, 60, 200, 3, 0},
		{"frame window", 60000, etl.MaxPendingFrames, 60, 40, 3, 0},
		{"byte window", 30000, etl.MaxPendingFrames, 900, 600, 3, 0},
		{"every CPU in order", 30000, etl.MaxPendingFrames, 600, 600, 3, 30000},
		{"every CPU in order, small window", 30000, 200, 60, 600, 3, 30000},
		{"in order, then damaged stamps", 40000, etl.MaxPendingFrames, 600, 600, 3, 20000},
		{"a CPU never logs", 30000, etl.MaxPendingFrames, 600, 600, 4, 30000},
		{"a CPU beyond the count", 30000, etl.MaxPendingFrames, 600, 600, 2, 30000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.frames)))
			f := file()
			f.Processors = uint32(tc.processors)
			// Each CPU's clock runs on in order; from frame clean on, a
			// frame is now and then far late or early (a damaged stamp),
			// or equal to the last.
			const cpus = 3
			cpuOf := make([]int, 0, tc.frames)
			var clock [cpus]time.Duration
			var bufs []etltest.Buffer
			var bufIDs [][]int           // the frame ids of each buffer
			cur := [cpus]int{-1, -1, -1} // each CPU's buffer in bufs
			times := make([]time.Duration, 0, tc.frames)
			sizes := make([]int, 0, tc.frames)
			for id := range tc.frames {
				c := rng.IntN(cpus)
				if cur[c] < 0 || len(bufs[cur[c]].Events) >= 1+rng.IntN(300) {
					// A CPU's full buffer goes to the file when the
					// next is started: buffers of the CPUs interleave.
					bufs = append(bufs, etltest.Buffer{CPU: uint16(c), Compressed: rng.IntN(3) == 0})
					bufIDs = append(bufIDs, nil)
					cur[c] = len(bufs) - 1
				}
				step := time.Duration(rng.IntN(50)) * 100 * time.Nanosecond
				clock[c] += step
				at := clock[c]
				switch rng.IntN(500) {
				case 0:
					if id < tc.clean {
						break
					}
					at += time.Duration(rng.IntN(3600)) * time.Second / 4
				case 1:
					if id < tc.clean {
						break
					}
					at = max(0, at-time.Duration(rng.IntN(1000))*time.Millisecond)
				}
				n := tc.minLen + rng.IntN(tc.spread)
				times, sizes, cpuOf = append(times, at), append(sizes, n), append(cpuOf, c)
				p := etltest.Pktmon{Group: uint64(id) + 1, Appearance: 1, PacketType: 1, Payload: twinPacket(id, n)}
				bufs[cur[c]].Events = append(bufs[cur[c]].Events, p.Event(t0.Add(at), false))
				bufIDs[cur[c]] = append(bufIDs[cur[c]], id)
			}
			r := open(t, etltest.Write(f, bufs))
			etl.SetWindow(r, tc.window)
			want, came := windowModel(slices.Concat(bufIDs...), cpuOf, times, sizes, tc.window, tc.processors)
			// Each frame goes when the model lets it: as many frames
			// read (decoded) as it had taken in.
			var got []etl.Frame
			early := 0
			for {
				var fr etl.Frame
				if err := r.Next(&fr); err != nil {
					if err != io.EOF {
						t.Fatal(err)
					}
					break
				}
				i := len(got)
				if i < len(came) && r.Stats().Packets != came[i] {
					t.Fatalf("frame %d went after %d frames were read, the model after %d", i+1, r.Stats().Packets, came[i])
				}
				if i < len(came) && came[i] < len(times) && came[i]-i < min(tc.window/2, 4000) {
					early++ // far from full, and not at the end
				}
				fr.Data = bytes.Clone(fr.Data)
				got = append(got, fr)
			}
			if len(got) != len(want) {
				t.Fatalf("%d frames, want %d", len(got), len(want))
			}
			late := 0
			for i, fr := range got {
				id := want[i]
				if !fr.Time.Equal(t0.Add(times[id])) || !bytes.Equal(fr.Data, twinPacket(id, sizes[id])) {
					t.Fatalf("frame %d: %v, %d bytes (id %d); want id %d at %v", i, fr.Time, len(fr.Data),
						binary.BigEndian.Uint32(fr.Data), id, t0.Add(times[id]))
				}
				if i > 0 && fr.Time.Before(got[i-1].Time) {
					late++
				}
			}
			if tc.clean > 0 && tc.processors == cpus && tc.window > 4000 && early < tc.clean/2 {
				t.Errorf("%d frames of %d went before the window was full", early, len(got))
			}
			t.Logf("%d frames in %d buffers, %d delivered late, %d before the window was full, %+v", len(got), len(bufs), late, early, r.Stats())
		})
	}
}

// hourAheadFile is 40 buffers of 1 MiB of packets of 1400 bytes, each
// stamped a microsecond after the one before but for one in 5000 (ids 7,
// 5007, …), stamped an hour ahead: those wait in the window to the end.
// It returns the file and how many packets it holds.
func hourAheadFile() ([]byte, int) {
	f := file()
	f.BufferSize = 1 << 20
	var bufs []etltest.Buffer
	id := 0
	for k := range 40 {
		b := etltest.Buffer{CPU: uint16(k % 2)}
		for size := 0; size < 1<<20-4096; size += 0x50 + 34 + 1400 + 2 {
			at := t0.Add(time.Duration(id) * time.Microsecond)
			if id%5000 == 7 {
				at = at.Add(time.Hour)
			}
			p := etltest.Pktmon{Group: uint64(id) + 1, Appearance: 1, PacketType: 1, Payload: twinPacket(id, 1400)}
			b.Events = append(b.Events, p.Event(at, false))
			id++
		}
		bufs = append(bufs, b)
	}
	return etltest.Write(f, bufs), id
}

// TestSlabsEvacuate: frames that wait long (here one stamped an hour
// ahead, pending to the end) do not keep their buffers: past the slabs'
// bound their bytes are copied out, and they still come intact. The
// slabs stay within their bound plus one buffer.
func TestSlabsEvacuate(t *testing.T) {
	data, id := hourAheadFile()
	r := open(t, data)
	var fr etl.Frame
	n, maxBytes := 0, 0
	for ; ; n++ {
		if err := r.Next(&fr); err != nil {
			break
		}
		got := int(binary.BigEndian.Uint32(fr.Data))
		want := t0.Add(time.Duration(got) * time.Microsecond)
		if got%5000 == 7 {
			want = want.Add(time.Hour)
		}
		if !fr.Time.Equal(want) || !bytes.Equal(fr.Data, twinPacket(got, 1400)) {
			t.Fatalf("frame %d: id %d at %v, %d bytes", n, got, fr.Time, len(fr.Data))
		}
		b, _ := etl.SlabBytes(r)
		maxBytes = max(maxBytes, b)
	}
	_, evacuated := etl.SlabBytes(r)
	if n != id || evacuated == 0 || maxBytes > 13<<20 {
		t.Errorf("%d frames of %d, %d slabs evacuated, slabs up to %d bytes", n, id, evacuated, maxBytes)
	}
	t.Logf("%d frames, %d slabs evacuated, slabs up to %.1f MiB", n, evacuated, float64(maxBytes)/(1<<20))
}
