package synth

import "time"

// Partial views of the KB 977526 loop of kb977526-vista-to-xp: captures
// that end before IKE could have given up, and a one-way capture. None can
// tell the loop from no communication, so the analysis must say
// "inconclusive".

// cutOf is the main sample's scenario under another name, for duration d,
// with cut.
func cutOf(name, desc string, d time.Duration, cut Cut) *Scenario {
	sc := vistaToXP()
	sc.Name, sc.Description, sc.Duration = name, desc, d
	sc.Cut = &cut
	sc.Absent = append(sc.Absent, "smb")
	sc.Expect = []string{"isakmp"}
	return sc
}

func kbFirst8s() *Scenario {
	return cutOf("kb977526-first-8s", "The first 8 s of the KB 977526 loop (kb977526-vista-to-xp): the SYN to the XP "+
		"share goes unanswered while main mode retransmits; the capture stops long before IKE gives up.",
		time.Minute, Cut{Until: 9500 * time.Millisecond, Verdict: "inconclusive", Findings: []string{}})
}

func kbFirst40s() *Scenario {
	return cutOf("kb977526-first-40s", "The first 40 s of the KB 977526 loop (kb977526-vista-to-xp): SYN retries and "+
		"main-mode retransmissions, the capture stopped 20 s before IKE would have given up.",
		time.Minute, Cut{Until: 41500 * time.Millisecond, Verdict: "inconclusive", Findings: []string{}})
}

func kbFirst3Frames() *Scenario {
	return cutOf("kb977526-first-3-frames", "The first 3 frames of the KB 977526 loop (kb977526-vista-to-xp): a SYN and "+
		"the first main-mode messages.",
		time.Minute, Cut{MaxFrames: 3, Verdict: "inconclusive", Findings: []string{}})
}

func kbResponderOnly() *Scenario {
	sc := cutOf("kb977526-responder-only", "The KB 977526 loop (kb977526-vista-to-xp) through a one-way SPAN that "+
		"holds only the XP responder's packets: its main-mode replies (non-zero responder cookie) and its clear "+
		"replies; nothing the Vista initiator sent.",
		5*time.Minute, Cut{OnlyFrom: "XP-FILES", Verdict: "inconclusive", Findings: []string{}})
	sc.Expect, sc.Absent = []string{"isakmp", "smb"}, []string{"esp", "smb2"}
	return sc
}

// ESP-only captures: the healthy IKEv1 pair captured after its SAs were
// negotiated.

func espOnly() *Scenario {
	sc := healthyIKEv1()
	sc.Name = "esp-only"
	sc.Description = "The healthy IKEv1 pair (healthy-ipsec-ikev1) captured from 5 s to 3 min: only ESP, its SAs " +
		"negotiated before the capture started."
	sc.Cut = &Cut{From: 5 * time.Second, Until: 3 * time.Minute, Verdict: "healthy-ipsec", Findings: []string{}}
	sc.Expect = []string{"esp"}
	sc.Absent = []string{"isakmp", "smb", "smb2"}
	return sc
}

func espOnlyRekey() *Scenario {
	sc := healthyIKEv1()
	sc.Name = "esp-only-rekey"
	sc.Description = "The healthy IKEv1 pair (healthy-ipsec-ikev1) captured from 5 s on: ESP on SAs negotiated " +
		"before the capture, then a quick-mode rekey (without the main mode it belongs to) and ESP on new SPIs."
	sc.Cut = &Cut{From: 5 * time.Second, Verdict: "healthy-ipsec", Findings: []string{}}
	sc.Expect = []string{"esp", "isakmp"}
	sc.Absent = []string{"smb", "smb2"}
	return sc
}

// kbClockStep is the main sample captured on a host whose clock is set 30 s
// back in the middle of the first soft SA: that soft SA seems 30 s
// shorter, and softsa warns, naming the frame.
func kbClockStep() *Scenario {
	sc := vistaToXP()
	sc.Name = "kb977526-clock-step"
	sc.Description = "The KB 977526 loop (kb977526-vista-to-xp) captured on a host whose clock is set back 30 s " +
		"3 minutes in, during the first soft SA: the frames after it are stamped 30 s earlier."
	sc.Cut = &Cut{StepAt: 3 * time.Minute, StepBack: 30 * time.Second}
	return sc
}
