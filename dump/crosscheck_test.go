package dump

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"softsa/internal/testenv"
)

// The cross-check: for every capture of the public corpus, every sample our
// generator wrote, and captures this test writes itself, `softsa dump` and
// `tshark -T fields` must agree frame by frame on every ISAKMP message's
// version, exchange type, SPIs, message ID and payload types, every ESP
// packet's SPI and sequence number, and every SMB1/SMB2 message's command and
// message ID. Wireshark's TCP desegmentation is switched off so both sides
// look at each message in the segment where it starts, as softsa does.

// tsharkFields are the fields compared, in the order tshark prints them.
var tsharkFields = []string{
	"frame.number", "_ws.malformed",
	"isakmp.ispi", "isakmp.rspi", "isakmp.version", "isakmp.exchangetype", "isakmp.messageid", "isakmp.typepayload",
	"esp.spi", "esp.sequence",
	"smb2.cmd", "smb2.msg_id", "smb.cmd", "smb.mid",
	"tcp.analysis.retransmission", "udp.port",
}

// frameView is what one frame shows, as comparable strings.
type frameView struct {
	malformed bool
	retrans   bool     // tshark: a TCP retransmission
	udp       bool     // tshark: the frame is UDP
	errs      []string // softsa: errors in the frame's records
	isakmp    []string // "ver/exch/ispi/rspi/msgid/types" per message
	esp       []string // "spi/seq"
	smb2      []string // "cmd/msgid"
	smb1      []string // "cmd/mid"
}

func corpusAndSamples(t *testing.T) []string {
	t.Helper()
	// Without the corpus the samples and our own captures are still
	// compared, unless SOFTSA_CORPUS says the corpus must be there.
	var files []string
	if dir, required := testenv.Corpus(); required || dirExists(dir) {
		files = testenv.CorpusFiles(t)
	}
	samples, _ := filepath.Glob(filepath.Join("..", "samples", "*.pcap*"))
	return append(files, samples...)
}

func dirExists(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}

func tsharkView(t *testing.T, path string) map[int]*frameView {
	t.Helper()
	args := []string{"-r", path, "-n", "-2", "-o", "tcp.desegment_tcp_streams:FALSE", "-T", "fields",
		"-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	// A file tshark cannot read at all (an ETL trace) is compared as empty.
	out, err := testenv.Output(t, "tshark", args...)
	if err != nil && len(out) == 0 {
		t.Logf("%s: %v", path, err)
		return nil
	}
	views := map[int]*frameView{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		col := strings.Split(sc.Text(), "|")
		if len(col) != len(tsharkFields) {
			continue
		}
		n, _ := strconv.Atoi(col[0])
		v := &frameView{malformed: col[1] != "", retrans: col[14] != "", udp: col[15] != ""}
		list := func(i int) []string {
			if col[i] == "" {
				return nil
			}
			return strings.Split(col[i], ",")
		}
		ispi, rspi, ver, exch, mid := list(2), list(3), list(4), list(5), list(6)
		for i := range ispi {
			if i >= len(rspi) || i >= len(ver) || i >= len(exch) || i >= len(mid) {
				break
			}
			v.isakmp = append(v.isakmp, fmt.Sprintf("%s/%s/%s/%s/%s", ver[i], exch[i], ispi[i], rspi[i], mid[i]))
		}
		if types := col[7]; types != "" && len(v.isakmp) == 1 {
			v.isakmp[0] += "/" + types
		} else if len(v.isakmp) == 1 {
			v.isakmp[0] += "/"
		}
		spi, seq := list(8), list(9)
		for i := range spi {
			if i < len(seq) {
				v.esp = append(v.esp, spi[i]+"/"+seq[i])
			}
		}
		c2, m2 := decimal(list(10)), list(11)
		for i := range c2 {
			if i < len(m2) {
				v.smb2 = append(v.smb2, c2[i]+"/"+m2[i])
			}
		}
		// tshark's smb.cmd lists the header's command and then every
		// AndXCommand of the chain; smb.mid one per message.
		if c1, m1 := decimal(list(12)), list(13); len(c1) > 0 {
			v.smb1 = []string{strings.Join(c1, ",") + "/" + strings.Join(m1, ",")}
		}
		views[n] = v
	}
	return views
}

// decimal rewrites tshark's numbers (it prints some fields in hex) in
// decimal, as softsa's dump has them.
func decimal(vals []string) []string {
	for i, v := range vals {
		if n, err := strconv.ParseUint(v, 0, 64); err == nil {
			vals[i] = strconv.FormatUint(n, 10)
		}
	}
	return vals
}

func softsaView(t *testing.T, path string) (map[int]*frameView, int) {
	t.Helper()
	var buf bytes.Buffer
	WriteFile(&buf, path, Options{ISAKMP: true, ESP: true, SMB: true})
	views := map[int]*frameView{}
	n := 0
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var r Record
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%s: dump wrote bad JSON: %v", path, err)
		}
		n++
		v := views[r.Frame]
		if v == nil {
			v = &frameView{}
			views[r.Frame] = v
		}
		if r.Error != "" {
			v.errs = append(v.errs, r.Error)
		}
		switch r.Proto {
		case "isakmp":
			if r.Version == nil {
				continue
			}
			types := make([]string, len(r.Payloads))
			for i, p := range r.Payloads {
				types[i] = strconv.Itoa(p)
			}
			v.isakmp = append(v.isakmp, fmt.Sprintf("0x%02x/%d/%s/%s/0x%08x/%s", *r.Version, *r.Exchange, r.ISPI, r.RSPI, *r.MsgID, strings.Join(types, ",")))
		case "esp":
			v.esp = append(v.esp, fmt.Sprintf("%s/%d", r.SPI, *r.Seq))
		case "smb2":
			v.smb2 = append(v.smb2, fmt.Sprintf("%d/%d", *r.Command, *r.SMBMsgID))
		case "smb1":
			cmds := []string{strconv.Itoa(int(*r.Command))}
			for _, a := range r.AndX {
				cmds = append(cmds, strconv.Itoa(a))
			}
			mids := []string{strconv.FormatUint(*r.SMBMsgID, 10)}
			if len(v.smb1) == 1 {
				c, m, _ := strings.Cut(v.smb1[0], "/")
				cmds, mids = append(strings.Split(c, ","), cmds...), append(strings.Split(m, ","), mids...)
			}
			v.smb1 = []string{strings.Join(cmds, ",") + "/" + strings.Join(mids, ",")}
		}
	}
	return views, n
}

func TestCrossCheckWithTshark(t *testing.T) {
	testenv.Tool(t, "tshark")
	files := corpusAndSamples(t)
	files = append(files, writeOwnCaptures(t)...)
	if len(files) == 0 {
		t.Skip("no captures to compare (corpus absent, no samples)")
	}
	var total, compared int
	for _, path := range files {
		want := tsharkView(t, path)
		got, n := softsaView(t, path)
		total += n
		frames := map[int]bool{}
		for k := range want {
			frames[k] = true
		}
		for k := range got {
			frames[k] = true
		}
		keys := make([]int, 0, len(frames))
		for k := range frames {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			w, g := want[k], got[k]
			if w == nil {
				w = &frameView{}
			}
			if g == nil {
				g = &frameView{}
			}
			for _, cmp := range []struct {
				what     string
				tsh, our []string
			}{{"isakmp", w.isakmp, g.isakmp}, {"esp", w.esp, g.esp}, {"smb2", w.smb2, g.smb2}, {"smb1", w.smb1, g.smb1}} {
				if len(cmp.tsh) == 0 && len(cmp.our) == 0 {
					continue
				}
				compared++
				if slices.Equal(cmp.tsh, cmp.our) {
					continue
				}
				if reason := knownDifference(filepath.Base(path), k, cmp.what, w, g, cmp.tsh, cmp.our); reason != "" {
					t.Logf("%s frame %d %s: differs, accepted: %s (tshark %v, softsa %v)", filepath.Base(path), k, cmp.what, reason, cmp.tsh, cmp.our)
					continue
				}
				t.Errorf("%s frame %d %s: tshark %v, softsa %v", filepath.Base(path), k, cmp.what, cmp.tsh, cmp.our)
			}
		}
	}
	t.Logf("%d captures, %d dump records, %d frame/protocol views compared", len(files), total, compared)
	if compared == 0 {
		t.Error("nothing was compared")
	}
}

// knownDifference explains a difference that is Wireshark's, not ours, or
// returns "" when the difference is a real disagreement. Each rule was found
// by studying a frame that disagreed.
func knownDifference(file string, frame int, what string, w, g *frameView, tsh, our []string) string {
	if reason := frameExceptions[file][frame]; reason != "" {
		return reason
	}
	switch {
	case w.retrans && len(tsh) == 0:
		// tshark 4.0's tcp.no_subdissector_on_error is on: it shows a
		// retransmitted segment's payload only as retransmitted data.
		// softsa decodes every segment (the analyzer needs the
		// retransmitted SMB request: it is the symptom).
		return "tshark does not dissect retransmitted TCP segments"
	case what == "smb1" && w.udp && len(our) == 0:
		return "tshark decodes SMB browser announcements in NetBIOS datagrams (UDP 138); softsa reads SMB on TCP 445/139 only"
	case what == "isakmp" && len(tsh) == 0 && len(our) == 1 && anyContains(g.errs, "isakmp header: length"):
		return "Wireshark does not take a message whose header length is below 28 as ISAKMP; softsa shows the header with a bad-length error"
	}
	if w.malformed {
		// Wireshark stops at the first malformed field and shows what it
		// had; softsa keeps the header and reports the error in the record.
		if what == "isakmp" && len(tsh) == len(our) && len(tsh) == 1 && strings.HasPrefix(our[0], prefixWithoutTypes(tsh[0])) {
			return "tshark marks the frame malformed; headers agree"
		}
		if len(tsh) == 0 || len(our) == 0 {
			return "tshark marks the frame malformed"
		}
	}
	return ""
}

// frameExceptions are single frames of hostile corpus files where gopacket,
// not softsa's decoders, sees the packet differently from Wireshark.
var frameExceptions = map[string]map[int]string{
	"isakmpv1-attr-oobr.pcap": {1: "an IPv4 option claims 18 bytes past the end of the options: gopacket rejects the IP header, Wireshark skips the option"},
}

func anyContains(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func prefixWithoutTypes(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[:i+1]
	}
	return s
}
