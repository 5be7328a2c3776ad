package decoders

import "testing"

func TestParseESP(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want ESPHeader
		ok   bool
	}{
		// RFC 4303 §2: SPI then sequence number, both big-endian.
		{"spi and seq", []byte{0xf4, 0xdc, 0x0a, 0xe5, 0, 0, 0, 1, 0xaa}, ESPHeader{SPI: 0xf4dc0ae5, Seq: 1}, true},
		{"exactly 8 bytes", []byte{0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff}, ESPHeader{SPI: 256, Seq: 0xffffffff}, true},
		{"7 bytes", []byte{1, 2, 3, 4, 5, 6, 7}, ESPHeader{}, false},
		{"empty", nil, ESPHeader{}, false},
	} {
		h, err := parseESP(tc.in)
		if (err == nil) != tc.ok || h != tc.want {
			t.Errorf("%s: %+v %v, want %+v ok=%v", tc.name, h, err, tc.want, tc.ok)
		}
	}
	if !ESPReservedSPI(255) || ESPReservedSPI(256) {
		t.Error("reserved SPI range is 0-255 (RFC 4303 §2.1)")
	}
}

func FuzzParseESP(f *testing.F) {
	f.Add([]byte{0xf4, 0xdc, 0x0a, 0xe5, 0, 0, 0, 1})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseESP(b)
		if (err == nil) != (len(b) >= 8) || (err != nil && h != ESPHeader{}) {
			t.Fatalf("%x: %+v %v", b, h, err)
		}
	})
}

func BenchmarkParseESP(b *testing.B) {
	pkt := make([]byte, 1400)
	pkt[3] = 9
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseESP(pkt); err != nil {
			b.Fatal(err)
		}
	}
}
