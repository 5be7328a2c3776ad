package etl

import (
	"math/rand/v2"
	"testing"
)

// TestFolderMatchesModel drives the folder and a plain model (a map and a
// queue of the last foldKeep keys) with the same random packets, keys drawn
// from a small range so that they collide, repeat and are forgotten: both
// must answer alike every time.
func TestFolderMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var f folder
	model := map[foldKey]bool{}
	var queue []foldKey
	for n := range 400_000 {
		k := foldKey{uint64(rng.IntN(40_000)), uint16(rng.IntN(3))}
		app := uint16(1 + rng.IntN(3))
		want := model[k] && app > 1
		if !model[k] {
			if len(queue) == foldKeep {
				delete(model, queue[0])
				queue = queue[1:]
			}
			model[k] = true
			queue = append(queue, k)
		}
		if got := f.seen(k.group, k.number, app); got != want {
			t.Fatalf("packet %d %+v appearance %d: seen %v, model says %v", n, k, app, got, want)
		}
	}
}
