package capture

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"softsa/internal/testenv"
)

// TestOpenETL opens the corpus's pktmon capture by content, as any other
// capture: Sniff names it from its first SniffLen bytes, and Open hands out
// its packets as numbered frames (etl's own tests check them in detail).
func TestOpenETL(t *testing.T) {
	path := filepath.Join(testenv.CorpusDir(t), "etl", "demikernel-pktmon.etl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := Sniff(data[:SniffLen]); f != FormatETL || err != nil {
		t.Errorf("Sniff = %q, %v", f, err)
	}
	if f, _ := Sniff(data[:SniffLen-1]); f == FormatETL {
		t.Errorf("Sniff recognised ETL from %d bytes", SniffLen-1)
	}
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var f Frame
	for {
		if err := c.Next(&f); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
		if f.Number != c.Frames() || f.Link != layers.LinkTypeEthernet || len(f.Data) != 98 {
			t.Errorf("frame %d: %v, %d bytes", f.Number, f.Link, len(f.Data))
		}
	}
	st, ok := c.ETLStats()
	if c.Format() != FormatETL || c.Frames() != 38 || !ok || st.Folded != 76 || len(c.Warnings()) != 0 {
		t.Errorf("format %s, %d frames, stats %+v, warnings %q", c.Format(), c.Frames(), st, c.Warnings())
	}
}
