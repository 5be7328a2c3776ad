package synth

import "time"

// pppoeIPsec is the healthy IKEv1 pair (healthy-ipsec-ikev1) captured on a
// DSL uplink: every frame in a PPPoE session inside VLAN 7, as many DSL
// providers deliver it. IKE, its IP fragments (MTU 1492) and ESP must
// decode as they do on plain Ethernet.
func pppoeIPsec() *Scenario {
	sc := healthyIKEv1()
	sc.Name = "pppoe-ipsec"
	sc.Description = "The healthy IKEv1 pair (healthy-ipsec-ikev1) captured on a DSL uplink: PPPoE session 0x1a2b " +
		"inside 802.1Q VLAN 7, IP MTU 1492. Main mode (certificates, IP-fragmented), quick mode, ESP, a " +
		"quick-mode rekey and an informational delete."
	sc.Duration = 5 * time.Minute
	sc.Pairs[0].VLAN, sc.Pairs[0].PPPoE = 7, 0x1a2b
	sc.Expect = []string{"vlan", "pppoes", "ppp", "isakmp", "esp"}
	return sc
}
