package decoders

import "testing"

func TestClassifyNATT(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		kind nattKind
		n    int
	}{
		{[]byte{0xff}, nattKeepalive, 0},
		{[]byte{0, 0, 0, 0, 1, 2}, nattIKE, 2},
		{[]byte{0, 0, 0, 0}, nattIKE, 0},
		{[]byte{0, 0, 1, 0, 0, 0, 0, 1}, nattESP, 8},
		{[]byte{1, 2, 3}, nattInvalid, 0},
		{nil, nattInvalid, 0},
	} {
		k, inner := classifyNATT(tc.in)
		if k != tc.kind || len(inner) != tc.n {
			t.Errorf("%x: %v %d, want %v %d", tc.in, k, len(inner), tc.kind, tc.n)
		}
	}
	if _, err := parseESP([]byte{1, 2, 3}); err == nil {
		t.Error("short ESP accepted")
	}
}

// FuzzClassifyNATT checks the invariants on any input.
func FuzzClassifyNATT(f *testing.F) {
	f.Add([]byte{0xff})
	f.Add([]byte{0, 0, 0, 0, 0x10, 0x20})
	f.Add([]byte{0, 0, 1, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, inner := classifyNATT(b)
		switch k {
		case nattIKE:
			if len(b) < 4 || len(inner) != len(b)-4 {
				t.Fatalf("IKE from %x: inner %d bytes", b, len(inner))
			}
		case nattESP:
			if len(inner) < 8 {
				t.Fatalf("ESP with %d bytes", len(inner))
			}
		case nattKeepalive:
			if len(b) != 1 || b[0] != 0xff {
				t.Fatalf("keepalive from %x", b)
			}
		}
	})
}

func BenchmarkClassifyNATT(b *testing.B) {
	esp := make([]byte, 1400)
	esp[3] = 1
	b.ReportAllocs()
	for b.Loop() {
		classifyNATT(esp)
	}
}
