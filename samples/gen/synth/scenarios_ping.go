package synth

import "time"

// The KB 977526 loop as the engineer first sees it during an outage: with
// `ping -t`.

func kbPingOnly() *Scenario {
	return &Scenario{
		Name: "kb977526-ping",
		Description: "The KB 977526 loop seen only through ping -t: Vista pings the XP host (fallback to clear, " +
			"IKEFlags 0x14) once a second; each ping that triggers main mode goes unanswered for about a " +
			"minute (\"Request timed out.\" every 4 s), then the replies come back through a soft SA until " +
			"it expires.",
		Format: PCAPNG, Interfaces: ethernet,
		Start: at("2009-11-12T08:41:10Z"), Duration: 15 * time.Minute, Seed: 1_977_526,
		Hosts: []Host{
			{Name: "VISTA-SUPPORT", Addr: addr("10.10.3.61"), Release: Vista, Policy: policyVistaNoCert},
			{Name: "XP-LEGACY", Addr: addr("10.10.3.12"), Release: WinXP, Policy: policyXPFallback},
		},
		Pairs: []Pair{{Initiator: "VISTA-SUPPORT", Responder: "XP-LEGACY", Start: 2 * time.Second,
			Traffic: Traffic{Kind: TrafficPing, Interval: time.Second},
			Timers:  Timers{RTT: 380 * time.Microsecond, SoftSALifetime: 4 * time.Minute}}},
		Expect: []string{"isakmp", "icmp"}, Absent: []string{"esp"},
	}
}

func kbPingHTTP() *Scenario {
	return &Scenario{
		Name: "kb977526-ping-http",
		Description: "The KB 977526 loop seen through ping -t and an intranet page fetched every half minute: " +
			"each outage starts at the first unanswered ping, up to half a minute before the browser " +
			"notices.",
		Format: PCAPNG, Interfaces: ethernet,
		Start: at("2009-11-12T13:05:00Z"), Duration: 14 * time.Minute, Seed: 80_977_526,
		Hosts: []Host{
			{Name: "VISTA-DESK12", Addr: addr("10.10.5.112"), Release: Vista, Policy: policyVistaNoCert},
			{Name: "XP-INTRANET", Addr: addr("10.10.5.8"), Release: WinXP, Policy: policyXPFallback},
		},
		Pairs: []Pair{{Initiator: "VISTA-DESK12", Responder: "XP-INTRANET", Start: 1500 * time.Millisecond,
			Traffic: Traffic{Kind: TrafficPingHTTP, Interval: 30 * time.Second, Names: []string{"/", "/news.htm", "/phonebook.htm"}},
			Timers:  Timers{RTT: 450 * time.Microsecond, SoftSALifetime: 3 * time.Minute}}},
		Expect: []string{"isakmp", "icmp", "http"}, Absent: []string{"esp"},
	}
}
