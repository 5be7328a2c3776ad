package synth

import (
	"fmt"
	"time"
)

// busyOffice is the hardest true-negative test: two pairs in the KB loop
// among many that are healthy, fall back properly, or just pause.
func busyOffice() *Scenario {
	sc := &Scenario{
		Name: "busy-office",
		Description: "An office network seen from two capture interfaces (Ethernet with 802.1Q-tagged and untagged " +
			"frames, and a raw-IP tunnel interface): two pairs in the KB 977526 loop, healthy IKEv1 and AuthIP " +
			"pairs, healthy fallbacks, DNS, HTTP (one over IPv6) and idle SMB1 and SMB2 sessions with natural " +
			"pauses of a minute or more.",
		Format:     PCAPNG,
		Interfaces: []Interface{{Name: "eth0", Kind: LinkEthernet}, {Name: "tun0", Kind: LinkRawIP}},
		Start:      at("2009-11-19T09:00:00Z"), Duration: 12 * time.Minute, Seed: 1919,
		Expect: []string{"isakmp", "esp", "smb", "smb2", "dns", "http", "vlan", "ipv6"},
	}
	host := func(name, a string, r Release, p Policy) {
		sc.Hosts = append(sc.Hosts, Host{Name: name, Addr: addr(a), Release: r, Policy: p})
	}
	pair := func(p Pair) { sc.Pairs = append(sc.Pairs, p) }
	plain := Policy{}

	// The two KB pairs.
	host("VISTA-MKT1", "10.1.10.21", Vista, policyVistaNoCert)
	host("XP-SHARE1", "10.1.10.5", WinXP, policyXPFallback)
	host("SRV08-WEB", "10.2.0.80", Win2008, policyVistaNoCert)
	host("SRV03-DB", "10.2.0.33", Win2003, policyXPFallback)
	pair(Pair{Initiator: "VISTA-MKT1", Responder: "XP-SHARE1", VLAN: 10, Start: 20 * time.Second,
		Traffic: Traffic{Kind: TrafficSMBRead, Share: "marketing", Files: []File{{Name: `campaigns\2010\video-master.avi`, Size: 900 << 20}},
			Chunk: 2048, Interval: 5 * time.Second},
		Timers: Timers{SoftSALifetime: 3 * time.Minute}})
	pair(Pair{Initiator: "SRV08-WEB", Responder: "SRV03-DB", Iface: 1, Start: 45 * time.Second,
		Traffic: Traffic{Kind: TrafficSMBWrite, Share: "backup", Chunk: 2048, Interval: 5 * time.Second,
			Files: []File{{Name: `iis\logs\ex091119.log`, Size: 6 << 20}}},
		Timers: Timers{SoftSALifetime: 210 * time.Second, RTT: 900 * time.Microsecond}})

	// Healthy IPsec.
	host("XP-PAY1", "10.1.20.41", WinXP, policyCert)
	host("SRV03-PAY", "10.1.20.4", Win2003, policyCert)
	pair(Pair{Initiator: "XP-PAY1", Responder: "SRV03-PAY", VLAN: 20, Start: 5 * time.Second,
		Traffic: Traffic{Kind: TrafficSMBIdle, Share: "payroll", Files: []File{{Name: `2009\november.xls`, Size: 2 << 20}},
			Chunk: 1024, Interval: 6 * time.Second, ActiveFor: 90 * time.Second, PauseFor: 80 * time.Second}})
	host("VISTA-ENG3", "10.1.10.63", Vista, policyDomain)
	host("SRV08-SRC", "10.1.10.8", Win2008, policyDomain)
	pair(Pair{Initiator: "VISTA-ENG3", Responder: "SRV08-SRC", Start: 12 * time.Second, RekeyAfter: 8 * time.Minute,
		Traffic: Traffic{Kind: TrafficSMBRead, Share: "src", Files: []File{{Name: `trunk\build\out.zip`, Size: 40 << 20}},
			Chunk: 1024, Interval: 6 * time.Second}})
	host("WIN7-PM2", "10.3.0.52", Win7, policyDomain)
	host("SRV08R2-DOCS", "10.3.0.9", Win2008R2, policyDomain)
	pair(Pair{Initiator: "WIN7-PM2", Responder: "SRV08R2-DOCS", Iface: 1, Start: 30 * time.Second,
		Traffic: Traffic{Kind: TrafficSMBIdle, Share: "docs", Files: []File{{Name: `specs\roadmap.docx`, Size: 1 << 20}},
			Chunk: 1024, Interval: 5 * time.Second, ActiveFor: 60 * time.Second, PauseFor: 100 * time.Second}})

	// Healthy fallbacks.
	host("XP-RECEPT", "10.1.10.71", WinXP, policyXPFallback)
	host("VISTA-CEO", "10.1.10.99", Vista, policyVistaNoCert)
	pair(Pair{Initiator: "XP-RECEPT", Responder: "VISTA-CEO", Start: 70 * time.Second,
		Traffic: Traffic{Kind: TrafficSMBIdle, Share: "calendar", Files: []File{{Name: `visitors.xls`, Size: 512 << 10}},
			Chunk: 1024, Interval: 6 * time.Second, ActiveFor: 70 * time.Second, PauseFor: 90 * time.Second}})
	host("XP-SCAN", "10.1.20.77", WinXP, policyXPFallback)
	host("NAS-SCANS", "10.1.20.200", ReleaseOther, plain)
	pair(Pair{Initiator: "XP-SCAN", Responder: "NAS-SCANS", VLAN: 20, Start: 100 * time.Second,
		Traffic: Traffic{Kind: TrafficSMBIdle, Share: "scans", Files: []File{{Name: `inbox\scan-1119.pdf`, Size: 800 << 10}},
			Chunk: 1024, Interval: 5 * time.Second, ActiveFor: 50 * time.Second, PauseFor: 120 * time.Second}})

	// DNS to the domain controller, exempt from IPsec; some clients are the
	// KB and healthy hosts themselves.
	host("DC01", "10.1.0.10", Win2003, plain)
	for i, c := range []string{"VISTA-MKT1", "XP-SHARE1", "VISTA-ENG3", "XP-PAY1", "XP-RECEPT", "VISTA-CEO", "SRV08-WEB"} {
		pair(Pair{Initiator: c, Responder: "DC01", Exempt: true, Start: time.Duration(i*7+1) * time.Second,
			VLAN: map[bool]uint16{true: 10, false: 0}[i%3 == 0],
			Traffic: Traffic{Kind: TrafficDNS, Interval: time.Duration(25+i*6) * time.Second,
				Names: []string{"intranet.contoso.local", "mail.contoso.local", fmt.Sprintf("srv%02d.contoso.local", i), "_ldap._tcp.dc._msdcs.contoso.local"}}})
	}

	// Intranet web, plain hosts.
	host("WEB-INTRA", "10.1.0.80", ReleaseOther, plain)
	host("KIOSK-1", "10.1.30.11", ReleaseOther, plain)
	host("KIOSK-2", "10.1.30.12", ReleaseOther, plain)
	host("LINUX-DEV", "10.1.30.40", ReleaseOther, plain)
	for i, c := range []string{"KIOSK-1", "KIOSK-2", "LINUX-DEV"} {
		pair(Pair{Initiator: c, Responder: "WEB-INTRA", Start: time.Duration(3+i*11) * time.Second,
			Traffic: Traffic{Kind: TrafficHTTP, Interval: time.Duration(40+i*15) * time.Second,
				Names: []string{"/", "/news/index.html", "/hr/holidays.html", "/it/status.html"}}})
	}
	host("WEB6-WIKI", "2001:db8:10::80", ReleaseOther, plain)
	host("LINUX-DEV6", "2001:db8:10::40", ReleaseOther, plain)
	pair(Pair{Initiator: "LINUX-DEV6", Responder: "WEB6-WIKI", Start: 15 * time.Second,
		Traffic: Traffic{Kind: TrafficHTTP, Interval: 50 * time.Second, Names: []string{"/wiki/Main_Page", "/wiki/IPsec"}}})

	// Idle SMB sessions in the clear, with natural pauses.
	host("NAS-HOME", "10.1.30.200", ReleaseOther, plain)
	for i, c := range []string{"KIOSK-1", "KIOSK-2", "LINUX-DEV"} {
		pair(Pair{Initiator: c, Responder: "NAS-HOME", Start: time.Duration(8+i*13) * time.Second,
			Traffic: Traffic{Kind: TrafficSMBIdle, Share: "home", Files: []File{{Name: fmt.Sprintf(`user%d\notes.txt`, i+1), Size: 300 << 10}},
				Chunk: 1024, Interval: 6 * time.Second, ActiveFor: 45 * time.Second, PauseFor: time.Duration(70+i*20) * time.Second}})
	}

	// A Vista lobby PC outside domain isolation reading forms from a Server
	// 2008 share in the clear: SMB2, where every other clear SMB session of
	// the office has an XP or Samba end and speaks SMB1.
	host("VISTA-LOBBY", "10.1.30.61", Vista, plain)
	host("SRV08-FORMS", "10.1.30.9", Win2008, plain)
	pair(Pair{Initiator: "VISTA-LOBBY", Responder: "SRV08-FORMS", Start: 25 * time.Second,
		Traffic: Traffic{Kind: TrafficSMBIdle, Share: "public", Files: []File{{Name: `forms\expense-claim.xls`, Size: 400 << 10}},
			Chunk: 1024, Interval: 6 * time.Second, ActiveFor: 50 * time.Second, PauseFor: 90 * time.Second}})
	return sc
}
