package synth

import "time"

// ikev2Outcomes holds the IKEv2 outcomes that are not failures: a COOKIE
// and an INVALID_KE_PAYLOAD retry that both go on to IKE_AUTH and ESP
// (healthy), a REDIRECT to another gateway and an IKE_SA_INIT answered
// and then abandoned by the initiator (inconclusive: nothing failed, and
// the capture cannot tell what was meant to follow).
func ikev2Outcomes() *Scenario {
	h := func(name, a string, r Release) Host {
		return Host{Name: name, Addr: addr(a), Release: r, Policy: policyCert}
	}
	idle := Traffic{Kind: TrafficSMBIdle, Share: "home", Files: []File{{Name: `staff\rota.xlsx`, Size: 1 << 19}},
		Chunk: 4096, Interval: 2 * time.Second, ActiveFor: 30 * time.Second, PauseFor: 60 * time.Second}
	return &Scenario{
		Name: "ikev2-outcomes",
		Description: "IKEv2 outcomes that are not failures: IKE_SA_INIT answered with COOKIE, retried with the " +
			"cookie, then IKE_AUTH and ESP; answered with INVALID_KE_PAYLOAD (group 14), retried with a MODP 2048 " +
			"KE, then IKE_AUTH and ESP; answered with REDIRECT to another gateway; answered and then abandoned by " +
			"the initiator.",
		Format: PCAPNG, Interfaces: ethernet,
		Start: at("2010-03-09T08:40:00Z"), Duration: 3 * time.Minute, Seed: 5685,
		Hosts: []Host{
			h("WIN7-COOKIE", "192.168.7.21", Win7), h("RAS-GW1", "198.51.100.21", Win2008R2),
			h("WIN7-KE", "192.168.7.22", Win7), h("RAS-GW2", "198.51.100.22", Win2008R2),
			h("WIN7-REDIR", "192.168.7.23", Win7), h("RAS-GW3", "198.51.100.23", Win2008R2),
			h("WIN7-QUIT", "192.168.7.24", Win7), h("RAS-GW4", "198.51.100.24", Win2008R2),
		},
		Pairs: []Pair{
			{Initiator: "WIN7-COOKIE", Responder: "RAS-GW1", Start: time.Second, Protocol: ProtoIKEv2, Fault: FaultIKEv2Cookie,
				NAT: &NAT{Public: addr("203.0.113.21")}, Traffic: idle},
			{Initiator: "WIN7-KE", Responder: "RAS-GW2", Start: 4 * time.Second, Protocol: ProtoIKEv2, Fault: FaultIKEv2InvalidKE,
				NAT: &NAT{Public: addr("203.0.113.22")}, Traffic: idle},
			{Initiator: "WIN7-REDIR", Responder: "RAS-GW3", Start: 7 * time.Second, Protocol: ProtoIKEv2, Fault: FaultIKEv2Redirect},
			{Initiator: "WIN7-QUIT", Responder: "RAS-GW4", Start: 10 * time.Second, Protocol: ProtoIKEv2, Fault: FaultIKEv2Abandoned},
		},
		Expect: []string{"isakmp", "udpencap", "esp"}, Absent: []string{"smb2", "smb"},
	}
}
