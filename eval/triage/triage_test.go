package triage

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestQASample(t *testing.T) {
	const n = 100000
	for _, share := range []float64{0, 0.05, 0.5, 1} {
		got := 0
		for k := range n {
			if QASample(7, fmt.Sprint("req-", k), share) {
				got++
			}
		}
		// Binomial standard deviation at n = 100,000 is at most 158; allow 5.
		if want := share * n; got < int(want-800) || got > int(want+800) {
			t.Errorf("share %v: %d of %d sampled", share, got, n)
		}
	}
	// Reproducible by seed, different across seeds.
	same, diff := 0, 0
	for k := range 2000 {
		id := fmt.Sprint("req-", k)
		if QASample(7, id, 0.5) == QASample(7, id, 0.5) {
			same++
		}
		if QASample(7, id, 0.5) != QASample(8, id, 0.5) {
			diff++
		}
	}
	if same != 2000 || diff < 800 {
		t.Errorf("same seed agreed on %d of 2000, other seed differed on %d", same, diff)
	}
}

func logOf(n int) []Entry {
	es := make([]Entry, n)
	for k := range es {
		es[k] = Entry{LoggedAt: time.Date(2026, 11, 29, 2, 0, 0, 123456789, time.UTC), RunID: 3, SnapshotID: 2,
			Actor: "rolemine triage", Action: "auto-approve", Subject: fmt.Sprint("req-", k), Rule: "threshold", PolicyID: "p1"}
	}
	return es
}

func TestChainVerify(t *testing.T) {
	first := logOf(3)
	Chain(first, 0, "")
	second := logOf(2)
	Chain(second, first[2].Seq, first[2].Hash)
	log := append(first, second...)
	var v Verifier
	for _, e := range log {
		if err := v.Next(e); err != nil {
			t.Fatal(err)
		}
	}
	if v.Checked() != 5 || log[4].Seq != 5 || log[0].LoggedAt.Nanosecond()%1000 != 0 {
		t.Fatalf("checked %d, last seq %d, time %v", v.Checked(), log[4].Seq, log[0].LoggedAt)
	}
	tests := []struct {
		name   string
		tamper func([]Entry) []Entry
		want   string
	}{
		{"altered reason", func(l []Entry) []Entry { l[2].Reason = "looked fine"; return l }, "entry 3 was altered"},
		{"deleted entry", func(l []Entry) []Entry { return append(l[:1], l[2:]...) }, "entry 3 follows entry 1"},
		{"rehashed entry", func(l []Entry) []Entry { l[1].Action = "review"; l[1].Hash = l[1].digest(); return l }, "entry 3 does not link"},
	}
	for _, tt := range tests {
		l := tt.tamper(append([]Entry(nil), log...))
		var v Verifier
		var err error
		for _, e := range l {
			if err = v.Next(e); err != nil {
				break
			}
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}
