package model

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// withNumeric gives every instance two numeric signals, one of them
// informative.
func withNumeric(xs []Instance, src rand.Source) []Instance {
	rng := rand.New(src)
	out := make([]Instance, len(xs))
	for i, x := range xs {
		v := rng.NormFloat64()
		if x.Label {
			v += 1
		}
		x.Numeric = []float64{v, rng.Float64()}
		out[i] = x
	}
	return out
}

// A model read back from its binary form scores and explains every
// held-out instance exactly as the model written, and writing it again
// gives the same bytes.
func TestMarshalRoundTrip(t *testing.T) {
	noBoost := DefaultOptions
	noBoost.Boost.Trees = 0
	triples := DefaultOptions
	triples.Triples, triples.Counts = true, false
	bags := DefaultOptions
	bags.Boost.Bags, bags.Boost.Trees = 2, 40
	named := DefaultOptions
	named.NumericNames = []string{"peers", "noise"}
	for _, c := range []struct {
		name    string
		opts    Options
		numeric bool
	}{
		{"default", DefaultOptions, false},
		{"numeric", named, true},
		{"no trees", noBoost, true},
		{"triples without counts", triples, false},
		{"tokens only", Options{Lambda: 1, MaxIterations: 100}, false},
		{"bagged trees", bags, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			xs := synthetic(3000, rand.NewPCG(1, 1))
			if c.numeric {
				xs = withNumeric(xs, rand.NewPCG(1, 2))
			}
			train, test := xs[:2000], xs[2000:]
			// Unseen tokens and a missing attribute exercise the unseen
			// paths of the table and the encoder.
			test = append(test, Instance{Tokens: []string{"RESOURCE=999", "DEPT=77"}, Numeric: test[0].Numeric})
			m, err := Fit(train, c.opts, rand.NewPCG(2, 2))
			if err != nil {
				t.Fatal(err)
			}
			data, err := m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var got Model
			if err := got.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			want := m.ScoreTo(nil, test)
			for i, s := range got.ScoreTo(nil, test) {
				if math.Float64bits(s) != math.Float64bits(want[i]) {
					t.Fatalf("instance %d: score %v read back, %v written", i, s, want[i])
				}
			}
			for i := range test[:50] {
				if diff := cmp.Diff(m.Explain(test[i], 5), got.Explain(test[i], 5)); diff != "" {
					t.Fatalf("instance %d: explanation (-written +read):\n%s", i, diff)
				}
			}
			n, a, it, conv := m.Trained()
			gn, ga, git, gconv := got.Trained()
			if n != gn || a != ga || it != git || conv != gconv || m.Features() != got.Features() {
				t.Errorf("trained (%d %d %d %v, %d features) read back as (%d %d %d %v, %d)", n, a, it, conv, m.Features(), gn, ga, git, gconv, got.Features())
			}
			again, _ := got.MarshalBinary()
			if !bytes.Equal(again, data) {
				t.Errorf("the model read back writes %d other bytes than the %d read", len(again), len(data))
			}
		})
	}
}

// Bytes that are not a whole model of this format version are refused
// with an error, never a panic or a model.
func TestUnmarshalRefuses(t *testing.T) {
	m, err := Fit(synthetic(800, rand.NewPCG(1, 1)), DefaultOptions, rand.NewPCG(2, 2))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := m.MarshalBinary()
	version := bytes.Clone(data)
	binary.LittleEndian.PutUint32(version[len(magic):], FormatVersion+1)
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a serialised rolemine model"},
		{"other bytes", []byte("PAR1 not a model at all"), "not a serialised rolemine model"},
		{"other version", version, fmt.Sprintf("format version %d, this rolemine reads version %d", FormatVersion+1, FormatVersion)},
		{"truncated", data[:len(data)/2], "truncated"},
		{"one byte short", data[:len(data)-1], "truncated"},
		{"trailing byte", append(bytes.Clone(data), 0), "1 bytes after the model"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got Model
			err := got.UnmarshalBinary(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// A changed byte anywhere gives an error or a model that scores without
// panicking: the reader checks every index scoring follows. (Whether the
// scores are right is for a content hash to say.)
func TestUnmarshalChangedBytesNeverPanic(t *testing.T) {
	opts := DefaultOptions
	opts.Boost.Trees = 5
	m, err := Fit(withNumeric(synthetic(300, rand.NewPCG(1, 1)), rand.NewPCG(1, 3)), opts, rand.NewPCG(2, 2))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := m.MarshalBinary()
	test := withNumeric(synthetic(20, rand.NewPCG(3, 3)), rand.NewPCG(3, 4))
	// Every byte of a small model would take long; a stride that is
	// prime to the field sizes reaches every offset within a field.
	step := max(1, len(data)/4000) | 1
	for i := 0; i < len(data); i += step {
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(data)
			bad[i] ^= flip
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("byte %d of %d xor %#x: panic %v", i, len(data), flip, r)
					}
				}()
				var got Model
				if got.UnmarshalBinary(bad) == nil {
					got.ScoreTo(nil, test)
					got.Explain(test[0], 3)
				}
			}()
		}
	}
}
