package result

import (
	"encoding/json"
	"testing"
	"time"
)

// TestTime: times marshal in UTC with nanoseconds whatever their zone.
func TestTime(t *testing.T) {
	tz := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2009, 11, 10, 10, 0, 0, 123456789, tz), `"2009-11-10T09:00:00.123456789Z"`},
		{time.Date(2009, 11, 10, 9, 0, 0, 0, time.UTC), `"2009-11-10T09:00:00Z"`},
		{time.Time{}, `null`},
	} {
		b, err := json.Marshal(At(tc.in))
		if err != nil || string(b) != tc.want {
			t.Errorf("%v: %s, want %s (%v)", tc.in, b, tc.want, err)
		}
		var back Time
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(tc.in) {
			t.Errorf("%s: round trip %v %v", b, back, err)
		}
	}
}
