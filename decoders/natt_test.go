package decoders

import "testing"

// TestClassifyNATT (in frame_test.go) holds the table; these check the
// invariants on any input and measure the cost.

func FuzzClassifyNATT(f *testing.F) {
	f.Add([]byte{0xff})
	f.Add([]byte{0, 0, 0, 0, 0x10, 0x20})
	f.Add([]byte{0, 0, 1, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, inner := ClassifyNATT(b)
		switch k {
		case NATTIKE:
			if len(b) < 4 || len(inner) != len(b)-4 {
				t.Fatalf("IKE from %x: inner %d bytes", b, len(inner))
			}
		case NATTESP:
			if len(inner) < 8 {
				t.Fatalf("ESP with %d bytes", len(inner))
			}
		case NATTKeepalive:
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
		ClassifyNATT(esp)
	}
}
