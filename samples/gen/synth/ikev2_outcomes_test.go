package synth

import (
	"strings"
	"testing"
)

// TestIKEv2OutcomesDecode checks that Wireshark reads the ikev2-outcomes
// scenario's IKE_SA_INIT exchanges as built: the COOKIE answer without a
// responder SPI and the retry carrying the cookie first, INVALID_KE_PAYLOAD
// naming group 14 and the retry with a group 14 KE, REDIRECT_SUPPORTED and
// REDIRECT to 10.99.0.1, and an answered exchange that nothing follows.
func TestIKEv2OutcomesDecode(t *testing.T) {
	out, err := Generate(ikev2Outcomes())
	if err != nil {
		t.Fatal(err)
	}
	file := writeTemp(t, "ikev2-outcomes.pcapng", out.Capture)
	got := tshark(t, file, "-Y", "isakmp.exchangetype == 34", "-T", "fields", "-e", "ip.src", "-e", "isakmp.rspi",
		"-e", "isakmp.notify.msgtype", "-e", "isakmp.key_exchange.dh_group", "-e", "isakmp.notify.data.accepted_dh_group",
		"-e", "isakmp.notify.data.redirect.new_resp_gw_ident.ipv4")
	lines := strings.Split(strings.TrimSpace(got), "\n")
	const zero = "0000000000000000"
	want := []string{
		"192.168.7.21\t" + zero + "\t16388,16389\t2\t\t",
		"198.51.100.21\t" + zero + "\t16390\t\t\t",
		"192.168.7.21\t" + zero + "\t16390,16388,16389\t2\t\t",
		"198.51.100.21\t*\t16388,16389\t2\t\t",
		"192.168.7.22\t" + zero + "\t16388,16389\t2\t\t",
		"198.51.100.22\t" + zero + "\t17\t\t14\t",
		"192.168.7.22\t" + zero + "\t16388,16389\t14\t\t",
		"198.51.100.22\t*\t16388,16389\t14\t\t",
		"192.168.7.23\t" + zero + "\t16388,16389,16406\t2\t\t",
		"198.51.100.23\t" + zero + "\t16407\t\t\t10.99.0.1",
		"192.168.7.24\t" + zero + "\t16388,16389\t2\t\t",
		"198.51.100.24\t*\t16388,16389\t2\t\t",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d IKE_SA_INIT messages decoded, want %d:\n%s", len(lines), len(want), got)
	}
	for i, w := range want {
		g := strings.Split(lines[i], "\t")
		ws := strings.Split(w, "\t")
		for len(g) < len(ws) { // TrimSpace took the last line's empty fields
			g = append(g, "")
		}
		if ws[1] == "*" { // an answer that creates state: any non-zero SPI
			if g[1] == zero || len(g[1]) != 16 {
				t.Errorf("message %d: responder SPI %q, want non-zero", i+1, g[1])
			}
			g[1] = "*"
		}
		if strings.Join(g, "\t") != w {
			t.Errorf("message %d: %q, want %q", i+1, lines[i], w)
		}
	}
	// Only the two healthy pairs continue: IKE_AUTH and ESP in UDP.
	auth := tshark(t, file, "-Y", "isakmp.exchangetype == 35", "-T", "fields", "-e", "ip.src")
	for _, src := range strings.Fields(auth) {
		if src != "192.168.7.21" && src != "198.51.100.21" && src != "192.168.7.22" && src != "198.51.100.22" {
			t.Errorf("IKE_AUTH from %s, which should have stopped after IKE_SA_INIT", src)
		}
	}
	if n := len(strings.Fields(auth)); n < 4 {
		t.Errorf("%d IKE_AUTH messages, want at least 4", n)
	}
}
