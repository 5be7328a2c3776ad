package etl

// folder remembers the last foldKeep pktmon packets by PktGroupId and
// PktNumber: a ring of keys in arrival order, the oldest forgotten as a new
// one comes, and a linear-probing hash table of ring positions at most half
// full, from which a forgotten key is removed by shifting back the keys
// after it (no tombstones, so lookups stay short however long the
// capture). It allocates once, at the first packet, and never after. A Go
// map did the same at twice the cost per packet.
type folder struct {
	ring  []foldKey // made at the first packet, foldKeep long
	table []uint32  // ring position + 1; 0 is an empty slot
	next  int
	full  bool
}

type foldKey struct {
	group  uint64
	number uint16
}

const foldTableBits = 15 // 2 * foldKeep slots

func (f *folder) home(k foldKey) int {
	h := (k.group ^ uint64(k.number)<<48) * 0x9E3779B97F4A7C15
	return int(h >> (64 - foldTableBits))
}

// find returns k's slot in the table, or the empty slot where it would go.
func (f *folder) find(k foldKey) (int, bool) {
	mask := len(f.table) - 1
	for i := f.home(k); ; i = (i + 1) & mask {
		v := f.table[i]
		if v == 0 {
			return i, false
		}
		if f.ring[v-1] == k {
			return i, true
		}
	}
}

// remove empties slot i and shifts back the keys of its probe run that
// would no longer be found (Knuth's algorithm R).
func (f *folder) remove(i int) {
	mask := len(f.table) - 1
	for j := i; ; {
		j = (j + 1) & mask
		v := f.table[j]
		if v == 0 {
			break
		}
		h := f.home(f.ring[v-1])
		// Move the key at j to i unless its home lies cyclically in
		// (i, j].
		if (i <= j && (h <= i || h > j)) || (i > j && h <= i && h > j) {
			f.table[i] = v
			i = j
		}
	}
	f.table[i] = 0
}

// seen reports whether the packet is a copy of one seen before: its key is
// remembered and this is not its first appearance. Otherwise the key is
// remembered (a reused group ID starts a new packet), and the packet is a
// new one.
func (f *folder) seen(group uint64, number, appearance uint16) bool {
	if f.ring == nil {
		f.ring = make([]foldKey, foldKeep)
		f.table = make([]uint32, 1<<foldTableBits)
	}
	k := foldKey{group, number}
	i, ok := f.find(k)
	if ok {
		return appearance > 1
	}
	if f.full {
		if j, ok := f.find(f.ring[f.next]); ok {
			f.remove(j)
			// The removal may have shifted k's empty slot's run.
			i, _ = f.find(k)
		}
	}
	f.ring[f.next] = k
	f.table[i] = uint32(f.next) + 1
	if f.next++; f.next == foldKeep {
		f.next, f.full = 0, true
	}
	return false
}
