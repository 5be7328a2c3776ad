package analyzer

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"softsa/decoders"
)

// benchStream is a mixed stream over 200 pairs: request/response clear TCP
// (with SMB on some), ESP both ways, and IKE messages.
func benchStream(b *testing.B, clearOnly bool) []decoders.Message {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	all := newStream(b)
	used := map[netip.Addr]bool{}
	for i := 0; i < 200; i++ {
		a, z := twoAddrs(rng, used)
		c := newScen(b, rng, a, z)
		switch {
		case clearOnly || i%4 != 0:
			t := c.connect(0)
			c.twoWay(t, 60, 5)
		case i%8 == 0:
			genHealthy(c, 0, 60)
		default:
			genFallback(c, 0, 60, 0.5)
		}
		smbConversation(c.s, randAddr(rng, false), randAddr(rng, false), 1)
		all.merge(c.s)
	}
	return all.sorted()
}

// BenchmarkAnalyzerAdd measures Add on pairs that already exist: after one
// pass to create them, the stream is replayed with times moving on. Clear
// TCP on existing pairs must not allocate.
func BenchmarkAnalyzerAdd(b *testing.B) {
	for _, bc := range []struct {
		name      string
		clearOnly bool
	}{{"clear-tcp", true}, {"mixed", false}} {
		b.Run(bc.name, func(b *testing.B) {
			msgs := benchStream(b, bc.clearOnly)
			a := newAnalysis(Options{})
			for i := range msgs {
				a.add(&msgs[i])
			}
			span := msgs[len(msgs)-1].Time.Sub(msgs[0].Time) + time.Second
			b.ReportAllocs()
			b.ResetTimer()
			var m decoders.Message
			for i := 0; i < b.N; i++ {
				k := i % len(msgs)
				m = msgs[k]
				m.Time = m.Time.Add(span * time.Duration(1+i/len(msgs)))
				m.Frame = len(msgs) + i + 1
				a.add(&m)
			}
		})
	}
}
