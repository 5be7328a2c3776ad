package analyzer

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"
)

// scenario builds one pair's traffic with a fixed seed.
type scenario struct {
	name string
	gen  func(c *scen) pairTruth
}

var scenarios = []scenario{
	{"kb loop 3 cycles", func(c *scen) pairTruth { return genKB(c, 0, defaultKB()) }},
	{"kb single cycle", func(c *scen) pairTruth {
		p := defaultKB()
		p.cycles = 1
		return genKB(c, 0, p)
	}},
	{"kb authip syn retries ends mid outage", func(c *scen) pairTruth {
		p := defaultKB()
		p.ike, p.syn, p.tail = ikeAuthIP, true, "outage"
		return genKB(c, 0, p)
	}},
	{"kb answered main mode starts mid outage", func(c *scen) pairTruth {
		p := defaultKB()
		p.ike, p.lead, p.cycles = ikeAnswered, "outage", 2
		return genKB(c, 0, p)
	}},
	{"healthy ipsec", func(c *scen) pairTruth { return genHealthy(c, 0, 900) }},
	{"fallback 0.5 s", func(c *scen) pairTruth { return genFallback(c, 0, 900, 0.5) }},
	{"fallback 3 s", func(c *scen) pairTruth { return genFallback(c, 0, 900, 3) }},
	{"dead pair", func(c *scen) pairTruth { return genDead(c, 0, 600) }},
	{"idle pair", func(c *scen) pairTruth { return genIdle(c, 0, 900, false) }},
	{"idle pair after fallback", func(c *scen) pairTruth { return genIdle(c, 0, 900, true) }},
	{"no ike response", func(c *scen) pairTruth { return genIKEOnly(c, 0, ikeSilent) }},
	{"no proposal chosen", func(c *scen) pairTruth { return genIKEOnly(c, 0, ikeNoProposal) }},
	{"ikev2 no proposal chosen", func(c *scen) pairTruth { return genIKEOnly(c, 0, ikeV2NoProposal) }},
	{"ike fragments lost", func(c *scen) pairTruth { return genIKEOnly(c, 0, ikeFragLost) }},
	{"one-way esp", func(c *scen) pairTruth { return genOneWay(c, 0, 300) }},
	{"slow fallback", func(c *scen) pairTruth { return genSlowFallback(c, 0) }},
	{"slow ipsec", func(c *scen) pairTruth { return genSlowIPsec(c, 0) }},
	{"flaky server", func(c *scen) pairTruth { return genFlaky(c, 0) }},
	{"kb loop with held packets", func(c *scen) pairTruth {
		p := defaultKB()
		p.held = true
		return genKB(c, 0, p)
	}},
	{"kb loop with noise", func(c *scen) pairTruth {
		p := defaultKB()
		p.noise, p.life = true, [2]float64{400, 600}
		return genKB(c, 0, p)
	}},
}

func TestScenarios(t *testing.T) {
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 977526))
			c := newScen(t, rng, addr("192.168.1.10"), addr("192.168.1.20"))
			tr := sc.gen(c)
			r := c.s.run(Options{})
			check(t, r, tr, 0.001)
			if t.Failed() || testing.Verbose() && os.Getenv("SOFTSA_DUMP") != "" {
				b, _ := json.MarshalIndent(r, "", "  ")
				t.Logf("%s", b)
			}
		})
	}
}
