package synth

import (
	"strconv"
	"strings"
	"testing"
)

// TestPPPoEDecodes checks that Wireshark reads the pppoe-ipsec scenario's
// framing as built: VLAN 7, PPPoE session 0x1a2b whose payload length is
// the PPP protocol field and the IP packet, PPP protocol IPv4, and IP
// fragments no larger than the PPPoE MTU of 1492.
func TestPPPoEDecodes(t *testing.T) {
	out, err := Generate(pppoeIPsec())
	if err != nil {
		t.Fatal(err)
	}
	file := writeTemp(t, "pppoe-ipsec.pcapng", out.Capture)
	got := tshark(t, file, "-T", "fields", "-e", "vlan.id", "-e", "pppoe.session_id", "-e", "pppoe.payload_length",
		"-e", "ppp.protocol", "-e", "ip.len", "-e", "ip.flags.mf")
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != out.Frames {
		t.Fatalf("%d frames decoded, %d written", len(lines), out.Frames)
	}
	frags := 0
	for i, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 6 || f[0] != "7" || f[1] != "0x1a2b" || f[3] != "0x0021" || f[2] != strconv.Itoa(atoi(f[4])+2) {
			t.Fatalf("frame %d: %q, want VLAN 7, session 0x1a2b, PPP 0x0021, PPPoE length = IP length + 2", i+1, l)
		}
		if atoi(f[4]) > 1492 {
			t.Errorf("frame %d: IP length %s over the PPPoE MTU", i+1, f[4])
		}
		if f[5] == "1" || f[5] == "True" {
			frags++
			if atoi(f[4]) != 1492 {
				t.Errorf("frame %d: a first fragment of %s bytes, want 1492", i+1, f[4])
			}
		}
	}
	if frags == 0 {
		t.Error("no IP fragment: the certificate messages should be cut at 1492")
	}
	if m := tshark(t, file, "-Y", "_ws.malformed or _ws.expert.severity >= warning"); strings.TrimSpace(m) != "" {
		t.Errorf("tshark complains:\n%s", m)
	}
}

// atoi is strconv.Atoi for tshark's numeric fields; -1 when not a number.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
