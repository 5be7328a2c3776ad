package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string
		check   func(Options) bool
	}{
		{[]string{"a.pcap"}, "", func(o Options) bool {
			return o.Command == "analyze" && o.Inputs[0] == "a.pcap" && o.ExpectedOutage == time.Minute &&
				o.OutageMin == 45*time.Second && o.OutageMax == 90*time.Second && o.MinCycles == 2
		}},
		{[]string{"dump", "--proto", "isakmp,esp", "a.pcap"}, "", func(o Options) bool {
			return o.Command == "dump" && len(o.Protos) == 2
		}},
		{[]string{"--outage", "70s", "--outage-window", "50s-80s", "--pair", "10.0.0.1,10.0.0.2", "x"}, "", func(o Options) bool {
			return o.ExpectedOutage == 70*time.Second && o.OutageMin == 50*time.Second && len(o.Pairs) == 2
		}},
		{[]string{"--outage-window", "90s-45s", "x"}, "outage-window", nil},
		{[]string{"--format", "xml", "x"}, "--format", nil},
		{[]string{"dump", "--proto", "http", "x"}, "--proto", nil},
		{[]string{}, "no capture", nil},
		{[]string{"--version"}, "", func(o Options) bool { return o.Version }},
	} {
		o, err := parseArgs(tc.args, io.Discard)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: error %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !tc.check(o) {
			t.Errorf("%v: %+v, %v", tc.args, o, err)
		}
	}
}
