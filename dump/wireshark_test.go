package dump

import (
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"softsa/decoders/ike"
	"softsa/internal/iketest"
	"softsa/internal/testenv"
)

// The Wireshark model against tshark: every ISAKMP message of the corpus
// and deterministic mutants of the hand-built fixtures, frame by frame.
// Where tshark is not installed, the golden files it wrote stand in.

// Golden files: what tshark 4.0.17 printed, so the parity tests also run
// where tshark is not installed. Regenerate with
//
//	go test -run 'TestWiresharkModelCorpus|TestWiresharkModelMutants' ./dump/ -ike.update
//
// on a machine with tshark 4.0.
var ikeUpdate = flag.Bool("ike.update", false, "rewrite the testdata/isakmp tshark golden files")

const (
	goldenCorpus  = "testdata/isakmp/tshark-4.0-corpus.tsv"
	goldenMutants = "testdata/isakmp/tshark-4.0-mutants.tsv"
)

// goldenLine renders a row as tab-separated fields after key.
func goldenLine(key string, crc uint32, r iketest.TsharkRow) string {
	mal := "0"
	if r.Malformed {
		mal = "1"
	}
	j := func(v []string) string { return strings.Join(v, ",") }
	return strings.Join([]string{key, fmt.Sprintf("%08x", crc), r.ISPI, r.RSPI, r.Version, r.Exch, r.MsgID,
		j(r.Types), j(r.Notifies), j(r.VIDs), j(r.VIDNames), mal}, "\t")
}

// readGolden reads a golden file into rows by key, with the CRC-32
// of the message each row was made from.
func readGolden(t *testing.T, name string) (map[string]iketest.TsharkRow, map[string]uint32) {
	data, err := os.ReadFile(name)
	if err != nil {
		t.Skipf("no tshark and no golden file: %v", err)
	}
	rows, crcs := map[string]iketest.TsharkRow{}, map[string]uint32{}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 12 {
			t.Fatalf("%s: bad line %q", name, line)
		}
		var crc uint32
		fmt.Sscanf(f[1], "%x", &crc)
		rows[f[0]] = iketest.TsharkRow{ISPI: f[2], RSPI: f[3], Version: f[4], Exch: f[5], MsgID: f[6],
			Types: split(f[7]), Notifies: split(f[8]), VIDs: split(f[9]), VIDNames: split(f[10]), Malformed: f[11] == "1"}
		crcs[f[0]] = crc
	}
	return rows, crcs
}

func writeGolden(t *testing.T, name, header string, lines []string) {
	slices.Sort(lines)
	data := header + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d rows)", name, len(lines))
}

// tsharkPrefixOK lists the corpus frames whose payload lists only match
// tshark's as a prefix, and why. No corpus frame is excluded outright.
var tsharkPrefixOK = map[string]string{
	"tcpdump/ISAKMP_sa_setup.pcap frame 3": "payload 15 is a GDOI SA KEK (RFC 6407) whose inner lengths overrun " +
		"the datagram; Wireshark's GDOI decoder throws inside it, softsa does not model GDOI and lists the next payload",
	"tcpdump/ISAKMP_sa_setup.pcap frame 4": "the same message as frame 3, retransmitted",
}

func TestWiresharkModelCorpus(t *testing.T) {
	dir := testenv.CorpusDir(t)
	hasTshark := testenv.HasTool(t, "tshark")
	files := iketest.CorpusMessages(t, dir)
	if len(files) == 0 {
		t.Fatal("no ISAKMP found in the corpus")
	}
	var golden map[string]iketest.TsharkRow
	var goldenCRC map[string]uint32
	if !hasTshark {
		golden, goldenCRC = readGolden(t, goldenCorpus)
		t.Logf("tshark not installed: comparing with %s", goldenCorpus)
	}
	var frames, prefixOnly int
	var lines []string
	for rel, msgs := range files {
		rows := map[int]iketest.TsharkRow{}
		crcs := map[int]uint32{}
		for _, fr := range msgs {
			crcs[fr.Num] = crc32.ChecksumIEEE(fr.Msg)
		}
		if hasTshark {
			rows = iketest.TsharkRows(t, filepath.Join(dir, rel))
			for num, row := range rows {
				lines = append(lines, goldenLine(filepath.ToSlash(fmt.Sprintf("%s frame %d", rel, num)), crcs[num], row))
			}
		} else {
			for key, row := range golden {
				var num int
				if f, ok := strings.CutPrefix(key, filepath.ToSlash(rel)+" frame "); ok {
					fmt.Sscan(f, &num)
					rows[num] = row
					if goldenCRC[key] != crcs[num] && crcs[num] != 0 {
						t.Errorf("%s: the capture is not the one %s was made from", key, goldenCorpus)
					}
				}
			}
		}
		seen := map[int]bool{}
		for _, fr := range msgs {
			where := filepath.ToSlash(fmt.Sprintf("%s frame %d", rel, fr.Num))
			row, ok := rows[fr.Num]
			if !ok {
				if wiresharkRejects(fr.Msg) {
					continue
				}
				t.Errorf("%s: softsa sees ISAKMP, tshark does not", where)
				continue
			}
			seen[fr.Num] = true
			frames++
			if compareWithTshark(t, where, fr.Msg, row, tsharkPrefixOK[where]) {
				prefixOnly++
			}
		}
		for num, row := range rows {
			if !seen[num] && row.ISPI != "" {
				t.Errorf("%s frame %d: tshark sees ISAKMP, softsa does not", rel, num)
			}
		}
	}
	t.Logf("%d frames compared in %d files; %d matched as a prefix (listed in tsharkPrefixOK)", frames, len(files), prefixOnly)
	if *ikeUpdate && hasTshark {
		writeGolden(t, goldenCorpus, "# tshark 4.0 on the capture corpus: key, CRC-32 of the ISAKMP message, ispi, rspi, "+
			"version, exchangetype, messageid, typepayload, notify.msgtype, vid_bytes, vid_string, malformed\n", lines)
	}
}

// wiresharkRejects reports the datagrams Wireshark's ISAKMP
// dissector refuses: shorter than the header, or a header Length below 28.
func wiresharkRejects(msg []byte) bool {
	return len(msg) < ike.HeaderLen || binary.BigEndian.Uint32(msg[24:]) < ike.HeaderLen
}

// compareWithTshark checks one frame and reports whether the payload and notify
// lists only matched as a prefix, which is accepted when prefixOK gives the
// reason (tshark flagged the frame malformed after an exception inside a
// payload softsa does not model).
func compareWithTshark(t *testing.T, where string, msg []byte, row iketest.TsharkRow, prefixOK string) bool {
	t.Helper()
	var s ike.Summary
	s.Parse(msg)
	h := s.Header
	if row.ISPI == "" {
		// The header itself was cut by the capture (the datagram claims 28
		// bytes or more, fewer were captured): tshark shows an empty
		// ISAKMP tree.
		if s.HeaderOK {
			t.Errorf("%s: tshark has no header, softsa does", where)
		}
		return false
	}
	if got := hex.EncodeToString(h.ISPI[:]); got != row.ISPI {
		t.Errorf("%s: ispi %s, tshark %s", where, got, row.ISPI)
	}
	if got := hex.EncodeToString(h.RSPI[:]); got != row.RSPI {
		t.Errorf("%s: rspi %s, tshark %s", where, got, row.RSPI)
	}
	if got := fmt.Sprintf("0x%02x", h.Version); got != row.Version {
		t.Errorf("%s: version %s, tshark %s", where, got, row.Version)
	}
	wantExch := ""
	if v := h.MajorVersion(); v == 1 || v == 2 {
		wantExch = fmt.Sprint(h.Exchange) // Wireshark shows no exchange type for other versions
	}
	if wantExch != row.Exch {
		t.Errorf("%s: exchange %q, tshark %q", where, wantExch, row.Exch)
	}
	if row.MsgID != "" && fmt.Sprintf("0x%08x", h.MsgID) != row.MsgID {
		t.Errorf("%s: message ID 0x%08x, tshark %s", where, h.MsgID, row.MsgID)
	}
	wsTypes, wsNotes := wiresharkTypes(msg, nil, nil)
	types, notes := numbers(wsTypes), numbers(wsNotes)
	prefix := false
	for _, c := range []struct {
		what     string
		ours, ws []string
	}{{"typepayload", types, row.Types}, {"notify.msgtype", notes, row.Notifies}} {
		if slices.Equal(c.ours, c.ws) {
			continue
		}
		if prefixOK != "" && row.Malformed && len(c.ws) <= len(c.ours) && slices.Equal(c.ours[:len(c.ws)], c.ws) {
			t.Logf("%s: %s %v, tshark stopped at an exception after %v: %s", where, c.what, c.ours, c.ws, prefixOK)
			prefix = true
			continue
		}
		t.Errorf("%s: %s %v, tshark %v (malformed %v); if tshark threw inside a payload softsa does not model "+
			"(see wiresharkTypes), list the frame in tsharkPrefixOK", where, c.what, c.ours, c.ws, row.Malformed)
	}
	// Vendor IDs in Wireshark's tree order (the same as the summary's for a
	// well-formed chain); tshark prints an empty one as <MISSING>.
	w := wsWalker{msg: msg, wantV: true}
	w.dissect()
	var vids []string
	for _, v := range w.vids {
		if len(v) == 0 {
			vids = append(vids, "<MISSING>")
		} else {
			vids = append(vids, hex.EncodeToString(v))
		}
	}
	if !row.NoVIDs && !slices.Equal(vids, row.VIDs) && !(prefixOK != "" && row.Malformed && len(row.VIDs) <= len(vids) && slices.Equal(vids[:len(row.VIDs)], row.VIDs)) {
		t.Errorf("%s: vendor IDs %v, tshark %v", where, vids, row.VIDs)
	}
	for i, name := range row.VIDNames {
		if i >= len(w.vids) {
			break
		}
		v := w.vids[i]
		got := ike.VendorIDName(v)
		switch {
		case name == "Unknown Vendor ID":
			if got != hex.EncodeToString(v) {
				t.Logf("%s: vendor ID %x is %q to softsa, unknown to Wireshark", where, v, got)
			}
		case got != name:
			t.Errorf("%s: vendor ID %x: %q, tshark %q", where, v, got, name)
		}
	}
	return prefix
}

// numbers renders type codes as tshark prints them.
func numbers[T uint8 | uint16](v []T) []string {
	var s []string
	for _, x := range v {
		s = append(s, fmt.Sprint(x))
	}
	return s
}

// TestWiresharkModelMutants writes structural mutants of the hand-built
// fixtures (lengths, counts, truncations, next-payload values, byte flips)
// to a pcap, has tshark dissect them, and requires wiresharkTypes to list
// exactly what tshark lists, malformed or not.
func TestWiresharkModelMutants(t *testing.T) {
	hasTshark := testenv.HasTool(t, "tshark")
	mutants := iketest.Mutants()
	rows := map[int]iketest.TsharkRow{}
	if hasTshark {
		var pkts [][]byte
		for _, m := range mutants {
			pkts = append(pkts, iketest.UDP(m))
		}
		file := filepath.Join(t.TempDir(), "mutants.pcap")
		if err := os.WriteFile(file, iketest.Pcap(pkts), 0o644); err != nil {
			t.Fatal(err)
		}
		rows = iketest.TsharkRows(t, file)
		if *ikeUpdate {
			var lines []string
			for i, m := range mutants {
				if row, ok := rows[i+1]; ok {
					row.VIDs, row.VIDNames = nil, nil // kept small: vendor IDs are checked on the corpus
					lines = append(lines, goldenLine(fmt.Sprintf("%05d", i+1), crc32.ChecksumIEEE(m), row))
				}
			}
			writeGolden(t, goldenMutants, "# tshark 4.0 on the mutants of iketest.Mutants (vendor IDs left out)\n", lines)
		}
	} else {
		golden, crcs := readGolden(t, goldenMutants)
		t.Logf("tshark not installed: comparing with %s", goldenMutants)
		for key, row := range golden {
			i, _ := strconv.Atoi(key) // not Sscan: it reads a leading 0 as octal
			if i < 1 || i > len(mutants) || crc32.ChecksumIEEE(mutants[i-1]) != crcs[key] {
				t.Fatalf("mutant %s is not the one %s was made from: regenerate it", key, goldenMutants)
			}
			row.NoVIDs = true
			rows[i] = row
		}
	}
	for i, m := range mutants {
		row, ok := rows[i+1]
		if !ok {
			if !wiresharkRejects(m) {
				t.Errorf("mutant %d (%x): tshark shows no ISAKMP", i+1, m)
			}
			continue
		}
		compareWithTshark(t, fmt.Sprintf("mutant %d (%x)", i+1, m), m, row, "")
	}
	t.Logf("%d mutants compared", len(mutants))
}

// TestWiresharkTypesZeroAlloc: listing what tshark would show of a message
// allocates nothing when the lists have room, as softsa dump calls it per
// message.
func TestWiresharkTypesZeroAlloc(t *testing.T) {
	msgs := [][]byte{iketest.VistaMM1(), iketest.V2SAInit(), iketest.AuthIPMM1(), iketest.AuthIPNotify()}
	types := make([]uint8, 0, 256)
	notes := make([]uint16, 0, 64)
	for _, m := range msgs {
		allocs := testing.AllocsPerRun(100, func() {
			types = wiresharkPayloadTypes(m, types[:0])
			types, notes = wiresharkTypes(m, types[:0], notes[:0])
		})
		if allocs != 0 {
			t.Errorf("exchange %d: %v allocs per message", m[18], allocs)
		}
	}
}

// FuzzWiresharkTypes feeds arbitrary messages to the Wireshark model: it
// terminates and stays within its step budget.
func FuzzWiresharkTypes(f *testing.F) {
	for _, s := range iketest.Seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		types, notes := wiresharkTypes(msg, nil, nil)
		if len(types) > wsMaxSteps || len(notes) > len(types) {
			t.Fatalf("%d types, %d notifies for %d bytes", len(types), len(notes), len(msg))
		}
		if only := wiresharkPayloadTypes(msg, nil); !slices.Equal(only, types) {
			t.Fatalf("payload types alone %v, with notifies %v", only, types)
		}
	})
}

func BenchmarkWiresharkTypes(b *testing.B) {
	msg := iketest.V2SAInit()
	types := make([]uint8, 0, 64)
	notes := make([]uint16, 0, 16)
	b.ReportAllocs()
	for b.Loop() {
		types, notes = wiresharkTypes(msg, types[:0], notes[:0])
	}
}
