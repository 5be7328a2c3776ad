package synth

import (
	"fmt"
	"net/netip"
	"time"
)

// Scenarios returns softsa's sample scenarios, in the order the samples'
// README lists them. Each call builds fresh values.
func Scenarios() []*Scenario {
	return []*Scenario{
		vistaToXP(), server2008To2003(), fallbackReverseOK(), fallbackNonIPsecPeer(),
		noCommunication(), healthyIKEv1(), healthyAuthIP(), healthyIKEv2NATT(),
		busyOffice(), negotiationFailures(), kbPingOnly(), kbPingHTTP(),
		kbFirst8s(), kbFirst40s(), kbFirst3Frames(), kbResponderOnly(), espOnly(), espOnlyRekey(),
		kbClockStep(), ikev2Outcomes(), pppoeIPsec(),
	}
}

// Lookup returns the scenario called name, or nil.
func Lookup(name string) *Scenario {
	for _, sc := range Scenarios() {
		if sc.Name == name {
			return sc
		}
	}
	return nil
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	must(err)
	return t
}

var (
	ethernet = []Interface{{Name: "eth0", Kind: LinkEthernet}}

	// The KB's two sides.
	policyVistaNoCert = Policy{IPsec: true}
	policyXPFallback  = Policy{IPsec: true, Fallback: true, IKEFlags: 0x14, ValidCert: true}
	policyCert        = Policy{IPsec: true, ValidCert: true}
	policyDomain      = Policy{IPsec: true} // Vista-or-later domain member: Kerberos through AuthIP
)

// bigFile is the large file the KB's user copies.
var bigFile = []File{{Name: `Q4\design-review-final.vhd`, Size: 734003200}}

func vistaToXP() *Scenario {
	return &Scenario{
		Name: "kb977526-vista-to-xp",
		Description: "Vista (no valid IPsec certificate) copies a large file over SMB from an XP host with fallback to " +
			"clear and IKEFlags 0x14: about a minute of outage while main mode stalls, a few minutes of clear " +
			"traffic through a soft SA, then the soft SA expires and the loop starts again.",
		Format: PCAPNG, Interfaces: ethernet,
		Start: at("2009-11-10T09:12:03Z"), Duration: 20*time.Minute + 40*time.Second, Seed: 977526,
		Hosts: []Host{
			{Name: "VISTA-PC07", Addr: addr("10.10.1.57"), Release: Vista, Policy: policyVistaNoCert},
			{Name: "XP-FILES", Addr: addr("10.10.1.20"), Release: WinXP, Policy: policyXPFallback},
		},
		Pairs: []Pair{{Initiator: "VISTA-PC07", Responder: "XP-FILES", Start: 1500 * time.Millisecond,
			Traffic: Traffic{Kind: TrafficSMBRead, Share: "projects", Files: bigFile, Chunk: 2048, Interval: 1700 * time.Millisecond},
			Timers:  Timers{RTT: 420 * time.Microsecond}}},
		Expect: []string{"isakmp", "smb"}, Absent: []string{"esp", "smb2"},
	}
}

func server2008To2003() *Scenario {
	var files []File
	for i, kb := range []int{84, 212, 47, 133, 96, 180, 61, 150} {
		files = append(files, File{Name: fmt.Sprintf(`reports\2009-11\branch-%02d.xls`, i+1), Size: kb * 1024})
	}
	return &Scenario{
		Name: "kb977526-server2008-to-2003",
		Description: "Server 2008 (no valid IPsec certificate) copies a series of files to a Server 2003 share, " +
			"robocopy-like, while the 2003 side falls back to clear with IKEFlags 0x14: the same loop with a " +
			"shorter soft SA, captured with tcpdump -i any on a Linux monitor (pcap, Linux cooked capture).",
		Format: PCAP, Interfaces: []Interface{{Name: "any", Kind: LinkLinuxSLL}},
		Start: at("2009-12-02T14:30:00Z"), Duration: 14*time.Minute + 30*time.Second, Seed: 2008_2003,
		Hosts: []Host{
			{Name: "SRV08-APP", Addr: addr("172.16.4.18"), Release: Win2008, Policy: policyVistaNoCert},
			{Name: "SRV03-ARCH", Addr: addr("172.16.4.9"), Release: Win2003, Policy: policyXPFallback},
		},
		Pairs: []Pair{{Initiator: "SRV08-APP", Responder: "SRV03-ARCH", Start: 2 * time.Second,
			Traffic: Traffic{Kind: TrafficSMBWrite, Share: "archive", Files: files, Chunk: 4096, Interval: 2200 * time.Millisecond},
			Timers:  Timers{RTT: 250 * time.Microsecond, SoftSALifetime: 3 * time.Minute}}},
		Expect: []string{"isakmp", "smb", "sll"}, Absent: []string{"esp", "smb2"},
	}
}

func fallbackReverseOK() *Scenario {
	return &Scenario{
		Name: "fallback-reverse-ok",
		Description: "The XP host with fallback to clear starts traffic to the Vista host: main mode cannot " +
			"complete, the XP side falls back to clear after about 500 ms and SMB runs in the clear without a " +
			"break. Not KB 977526: the broken direction is Vista to XP only.",
		Format: PCAPNG, Interfaces: ethernet,
		Start: at("2009-11-10T10:02:41Z"), Duration: 5 * time.Minute, Seed: 500,
		Hosts: []Host{
			{Name: "XP-ACCT", Addr: addr("10.20.0.31"), Release: WinXP, Policy: policyXPFallback},
			{Name: "VISTA-HR", Addr: addr("10.20.0.44"), Release: Vista, Policy: policyVistaNoCert},
		},
		Pairs: []Pair{{Initiator: "XP-ACCT", Responder: "VISTA-HR", Start: time.Second,
			Traffic: Traffic{Kind: TrafficSMBRead, Share: "hr", Files: []File{{Name: `payroll\2009-11.xls`, Size: 2 << 20}},
				Chunk: 4096, Interval: 1500 * time.Millisecond}}},
		Expect: []string{"isakmp", "smb"}, Absent: []string{"esp", "smb2"},
	}
}

func fallbackNonIPsecPeer() *Scenario {
	return &Scenario{
		Name: "fallback-non-ipsec-peer",
		Description: "An XP host with fallback to clear talks to a NAS that ignores IKE: main mode goes " +
			"unanswered for about 3 s, then SMB runs in the clear without a break. Healthy fallback.",
		Format: PCAPNG, Interfaces: ethernet,
		Start: at("2009-11-12T08:45:10Z"), Duration: 4 * time.Minute, Seed: 3000,
		Hosts: []Host{
			{Name: "XP-LAB3", Addr: addr("10.30.2.13"), Release: WinXP, Policy: policyXPFallback},
			{Name: "NAS-01", Addr: addr("10.30.2.200"), Release: ReleaseOther},
		},
		Pairs: []Pair{{Initiator: "XP-LAB3", Responder: "NAS-01", Start: 2 * time.Second,
			Traffic: Traffic{Kind: TrafficSMBRead, Share: "scans", Files: []File{{Name: `2009\scan-0412.tif`, Size: 3 << 20}},
				Chunk: 4096, Interval: 1500 * time.Millisecond}}},
		Expect: []string{"isakmp", "smb"}, Absent: []string{"esp", "smb2"},
	}
}

func noCommunication() *Scenario {
	return &Scenario{
		Name: "no-communication-ikeflags",
		Description: "The KB's hosts without the IKEFlags 0x14 registry value on the XP side: every main mode " +
			"stalls, the Vista host's SYNs are retransmitted and never answered, nothing flows.",
		Format: PCAPNG, Interfaces: ethernet,
		Start: at("2009-11-10T11:20:00Z"), Duration: 5 * time.Minute, Seed: 14,
		Hosts: []Host{
			{Name: "VISTA-SALES2", Addr: addr("10.40.0.61"), Release: Vista, Policy: policyVistaNoCert},
			{Name: "XP-CRM", Addr: addr("10.40.0.12"), Release: WinXP,
				Policy: Policy{IPsec: true, Fallback: true, IKEFlags: 0, ValidCert: true}},
		},
		Pairs: []Pair{{Initiator: "VISTA-SALES2", Responder: "XP-CRM", Start: time.Second,
			Traffic: Traffic{Kind: TrafficSMBRead, Share: "crm", Files: bigFile, Chunk: 4096, Interval: time.Second}}},
		Expect: []string{"isakmp", "tcp"}, Absent: []string{"esp", "smb2", "smb"},
	}
}

func healthyIKEv1() *Scenario {
	return &Scenario{
		Name: "healthy-ipsec-ikev1",
		Description: "XP and Server 2003, both with certificates: main mode (certificates, IP-fragmented) and " +
			"quick mode complete, ESP carries the SMB traffic, a quick-mode rekey after 4 minutes and an " +
			"informational delete of the old SA.",
		Format: PCAPNG, Interfaces: ethernet,
		Start: at("2009-11-13T13:05:00Z"), Duration: 6 * time.Minute, Seed: 2409,
		Hosts: []Host{
			{Name: "XP-FIN1", Addr: addr("10.50.0.21"), Release: WinXP, Policy: policyCert},
			{Name: "SRV03-FIN", Addr: addr("10.50.0.5"), Release: Win2003, Policy: policyCert},
		},
		Pairs: []Pair{{Initiator: "XP-FIN1", Responder: "SRV03-FIN", Start: time.Second, RekeyAfter: 4 * time.Minute,
			Traffic: Traffic{Kind: TrafficSMBRead, Share: "finance", Files: []File{{Name: `ledger\fy2009.mdb`, Size: 48 << 20}},
				Chunk: 4096, Interval: 1500 * time.Millisecond}}},
		Expect: []string{"isakmp", "esp"}, Absent: []string{"smb2", "smb"},
	}
}

func healthyAuthIP() *Scenario {
	return &Scenario{
		Name: "healthy-authip",
		Description: "Vista and Server 2008 domain members: AuthIP main mode (Kerberos), extended mode and quick " +
			"mode complete, ESP carries the SMB traffic, a quick-mode rekey (exchange type 244) with a reliable " +
			"notify (246).",
		Format: PCAPNG, Interfaces: ethernet,
		Start: at("2009-11-16T15:40:00Z"), Duration: 5 * time.Minute, Seed: 243,
		Hosts: []Host{
			{Name: "VISTA-DEV4", Addr: addr("10.60.1.44"), Release: Vista, Policy: policyDomain},
			{Name: "SRV08-BUILD", Addr: addr("10.60.1.8"), Release: Win2008, Policy: policyDomain},
		},
		Pairs: []Pair{{Initiator: "VISTA-DEV4", Responder: "SRV08-BUILD", Start: time.Second, RekeyAfter: 3 * time.Minute,
			Traffic: Traffic{Kind: TrafficSMBRead, Share: "builds", Files: []File{{Name: `nightly\setup-x86.msi`, Size: 96 << 20}},
				Chunk: 4096, Interval: 1500 * time.Millisecond}}},
		Expect: []string{"isakmp", "esp"}, Absent: []string{"smb2", "smb"},
	}
}

func healthyIKEv2NATT() *Scenario {
	return &Scenario{
		Name: "healthy-ikev2-natt",
		Description: "A Windows 7 laptop behind a NAT connects to a Server 2008 R2 gateway with IKEv2: IKE_SA_INIT " +
			"on UDP 500, IKE_AUTH with certificates on UDP 4500 (IP-fragmented), ESP in UDP, NAT keepalives in " +
			"the pauses, a CREATE_CHILD_SA rekey and an INFORMATIONAL delete. Captured on the laptop.",
		Format: PCAPNG, Interfaces: ethernet,
		Start: at("2010-02-03T19:15:00Z"), Duration: 6 * time.Minute, Seed: 7296,
		Hosts: []Host{
			{Name: "WIN7-LAPTOP", Addr: addr("192.168.1.23"), Release: Win7, Policy: policyCert},
			{Name: "RAS-GW", Addr: addr("198.51.100.10"), Release: Win2008R2, Policy: policyCert},
		},
		Pairs: []Pair{{Initiator: "WIN7-LAPTOP", Responder: "RAS-GW", Start: time.Second, Protocol: ProtoIKEv2,
			NAT: &NAT{Public: addr("203.0.113.77")}, RekeyAfter: 4 * time.Minute,
			Traffic: Traffic{Kind: TrafficSMBIdle, Share: "home", Files: []File{{Name: `jsmith\notes.docx`, Size: 1 << 20}},
				Chunk: 4096, Interval: 2 * time.Second, ActiveFor: 40 * time.Second, PauseFor: 75 * time.Second},
			Timers: Timers{RTT: 38 * time.Millisecond}}},
		Expect: []string{"isakmp", "udpencap", "esp"}, Absent: []string{"smb2", "smb"},
	}
}

func negotiationFailures() *Scenario {
	h := func(name, a string, r Release, p Policy) Host {
		return Host{Name: name, Addr: addr(a), Release: r, Policy: p}
	}
	return &Scenario{
		Name: "negotiation-failures",
		Description: "IKE-only pairs failing in the other ways: no reply at all (UDP 500 blocked), " +
			"NO-PROPOSAL-CHOSEN, AUTHENTICATION-FAILED, INVALID-CERTIFICATE, and a certificate-bearing MM5 whose " +
			"IP fragments are retransmitted and never answered.",
		Format: PCAPNG, Interfaces: ethernet,
		Start: at("2009-11-18T07:55:00Z"), Duration: 4 * time.Minute, Seed: 2408,
		Hosts: []Host{
			h("XP-BRANCH1", "10.70.1.11", WinXP, policyCert), h("SRV03-HQ1", "10.70.9.1", Win2003, policyCert),
			h("XP-BRANCH2", "10.70.1.12", WinXP, policyCert), h("SRV03-HQ2", "10.70.9.2", Win2003, policyCert),
			h("XP-BRANCH3", "10.70.1.13", WinXP, policyCert), h("SRV03-HQ3", "10.70.9.3", Win2003, policyCert),
			h("XP-BRANCH4", "10.70.1.14", WinXP, policyCert), h("SRV03-HQ4", "10.70.9.4", Win2003, policyCert),
			h("SRV03-BR5", "10.70.1.15", Win2003, policyCert), h("SRV03-HQ5", "10.70.9.5", Win2003, policyCert),
		},
		Pairs: []Pair{
			{Initiator: "XP-BRANCH1", Responder: "SRV03-HQ1", Fault: FaultIKEBlocked, Start: time.Second},
			{Initiator: "XP-BRANCH2", Responder: "SRV03-HQ2", Fault: FaultNoProposal, Start: 3 * time.Second},
			{Initiator: "XP-BRANCH3", Responder: "SRV03-HQ3", Fault: FaultAuthFailed, Start: 5 * time.Second},
			{Initiator: "XP-BRANCH4", Responder: "SRV03-HQ4", Fault: FaultInvalidCert, Start: 7 * time.Second},
			{Initiator: "SRV03-BR5", Responder: "SRV03-HQ5", Fault: FaultFragmentsLost, Start: 9 * time.Second},
		},
		Expect: []string{"isakmp"}, Absent: []string{"tcp", "esp", "smb2", "smb"},
	}
}
