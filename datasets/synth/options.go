package synth

import (
	"fmt"
	"math"
	"time"
)

// Options control the size and the imperfections of a generated enterprise.
//
// A zero field takes its value from DefaultOptions, except Seed, for which
// zero is an ordinary seed. A negative rate means none: Noise: -1 asks for
// assignments that follow the planted roles exactly (request outcomes aside,
// see Noise).
type Options struct {
	// Identities is the number of rows of identities.csv: humans, second
	// identities of some humans (Duplicates) and non-human identities
	// (NonHuman).
	Identities int
	// Entitlements is the size of the entitlement catalogue. About 70 % of
	// it is shared out among the planted roles; the rest is requestable
	// one-off access.
	Entitlements int
	// Applications is the number of applications the catalogue is spread
	// over; zero derives it from Entitlements (about 100 per application).
	Applications int
	// Seed selects the enterprise: the same Options give byte-identical files.
	Seed int64

	// Noise is the per-person extra/missing grant rate: each planted role
	// grant is missing with probability Noise/2 and every person holds, on
	// average, Noise/2 extra grants per planted grant. Request outcomes
	// (a denied or rolled-back role grant, an approved outlier) are drawn
	// from this budget, so the realised rate stays close to Noise. Movers,
	// duplicates and planted SoD violations come on top and are labelled
	// with their own cause in ground_truth/noise_assignments.csv.
	Noise float64
	// ReviewerNoise is the probability that a recorded request decision is
	// the opposite of the policy's decision for the closest calls (approval
	// probability 1/2); a decision of approval probability p is flipped
	// with probability ReviewerNoise·4p(1-p), so clear cases rarely are.
	ReviewerNoise float64
	// NonHuman is the share of identities that are service accounts or bots.
	NonHuman float64
	// Terminated is the share of humans that have left; about a third of
	// them keep their access.
	Terminated float64
	// Duplicates is the share of identities that are a second identity of
	// a human.
	Duplicates float64
	// Requests is the mean number of access requests per human over the
	// two years of history; non-humans make a quarter of that.
	Requests float64
	// Pending is the share of requests still awaiting a decision.
	Pending float64

	// Now is the reference "today": every event happens before it. The
	// zero value means 2026-06-30 00:00:00 UTC, never the wall clock, so
	// output is reproducible.
	Now time.Time
}

// DefaultOptions describe a mid-sized enterprise of 10,000 identities.
var DefaultOptions = Options{
	Identities:    10_000,
	Entitlements:  3_000,
	Seed:          1,
	Noise:         0.05,
	ReviewerNoise: 0.05,
	NonHuman:      0.12,
	Terminated:    0.06,
	Duplicates:    0.01,
	Requests:      1.5,
	Pending:       0.03,
	Now:           time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC),
}

// Limits of Options, checked by Generate.
const (
	MinIdentities   = 200
	MinEntitlements = 100
	MaxIdentities   = 50_000_000
	MaxEntitlements = 5_000_000
)

// normalize fills zero fields from DefaultOptions, turns negative rates
// into zero and checks the result.
func (o Options) normalize() (Options, error) {
	d := DefaultOptions
	if o.Identities == 0 {
		o.Identities = d.Identities
	}
	if o.Entitlements == 0 {
		o.Entitlements = d.Entitlements
	}
	if o.Now.IsZero() {
		o.Now = d.Now
	}
	rates := []struct {
		name string
		v    *float64
		def  float64
		max  float64
	}{
		{"noise", &o.Noise, d.Noise, 0.5},
		{"reviewer noise", &o.ReviewerNoise, d.ReviewerNoise, 0.5},
		{"non-human share", &o.NonHuman, d.NonHuman, 0.5},
		{"terminated share", &o.Terminated, d.Terminated, 0.5},
		{"duplicate share", &o.Duplicates, d.Duplicates, 0.1},
		{"requests per identity", &o.Requests, d.Requests, 20},
		{"pending share", &o.Pending, d.Pending, 0.5},
	}
	for _, r := range rates {
		switch {
		case math.IsNaN(*r.v) || *r.v > r.max:
			return o, fmt.Errorf("synth: %s %g out of range [0, %g]", r.name, *r.v, r.max)
		case *r.v == 0:
			*r.v = r.def
		case *r.v < 0:
			*r.v = 0
		}
	}
	switch {
	case o.Identities < MinIdentities || o.Identities > MaxIdentities:
		return o, fmt.Errorf("synth: identities %d out of range [%d, %d]", o.Identities, MinIdentities, MaxIdentities)
	case o.Entitlements < MinEntitlements || o.Entitlements > MaxEntitlements:
		return o, fmt.Errorf("synth: entitlements %d out of range [%d, %d]", o.Entitlements, MinEntitlements, MaxEntitlements)
	case o.Applications < 0 || o.Applications > o.Entitlements/5:
		return o, fmt.Errorf("synth: applications %d out of range [0, %d]", o.Applications, o.Entitlements/5)
	case o.Now.Year() < 2000 || o.Now.Year() > 9000:
		return o, fmt.Errorf("synth: reference time %s out of range [2000, 9000]", o.Now.Format(time.RFC3339))
	}
	if o.Applications == 0 {
		o.Applications = min(max(o.Entitlements/100, 6), 400)
	}
	return o, nil
}

// Summary reports what Generate wrote.
type Summary struct {
	Dir   string
	Files []FileRows // in the order written: canonical tables, then ground truth
}

// FileRows is the number of data rows (header excluded) of one file.
type FileRows struct {
	Name string // relative to Summary.Dir, with forward slashes
	Rows int
}

// Rows returns the number of data rows of the file called name, or -1 when
// no such file was written.
func (s Summary) Rows(name string) int {
	for _, f := range s.Files {
		if f.Name == name {
			return f.Rows
		}
	}
	return -1
}
