package hygiene

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

// Truth is the ground truth a synthetic enterprise was generated with
// (package datasets/synth, directory ground_truth): the pairs of identities
// of one person, the extra grants with their cause, and the identities
// planted as outliers by kind.
type Truth struct {
	Duplicates [][2]string          // identity_a, identity_b
	Extra      map[[2]string]string // (identity, entitlement) → cause
	Outliers   map[string][]string  // kind → identities
	files      map[string]bool      // which files were present
}

// ReadTruth reads duplicates.csv, noise_assignments.csv and outliers.csv
// from dir; a missing file leaves its part empty.
func ReadTruth(dir string) (*Truth, error) {
	t := &Truth{Extra: map[[2]string]string{}, Outliers: map[string][]string{}, files: map[string]bool{}}
	read := func(name string, want []string, row func([]string)) error {
		f, err := os.Open(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		defer f.Close()
		r := csv.NewReader(f)
		head, err := r.Read()
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
		if len(head) < len(want) || !slices.Equal(head[:len(want)], want) {
			return fmt.Errorf("%s: header %v, want %v", f.Name(), head, want)
		}
		t.files[name] = true
		for line := 2; ; line++ {
			rec, err := r.Read()
			if err == io.EOF {
				return nil
			} else if err != nil {
				return fmt.Errorf("%s line %d: %w", f.Name(), line, err)
			}
			row(rec)
		}
	}
	err := errors.Join(
		read("duplicates.csv", []string{"identity_a", "identity_b"}, func(r []string) {
			t.Duplicates = append(t.Duplicates, [2]string{r[0], r[1]})
		}),
		read("noise_assignments.csv", []string{"identity_id", "entitlement_id", "kind", "cause"}, func(r []string) {
			if r[2] == "extra" {
				t.Extra[[2]string{r[0], r[1]}] = r[3]
			}
		}),
		read("outliers.csv", []string{"identity_id", "kind", "detail"}, func(r []string) {
			t.Outliers[r[1]] = append(t.Outliers[r[1]], r[0])
		}),
	)
	return t, err
}

// Score is precision and recall of found items against true ones.
type Score struct {
	Name      string  `json:"name"`
	Found     int     `json:"found"`
	True      int     `json:"true"`
	Hits      int     `json:"hits"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
}

func newScore(name string, found, truth, hits int) Score {
	s := Score{Name: name, Found: found, True: truth, Hits: hits}
	if found > 0 {
		s.Precision = float64(hits) / float64(found)
	}
	if truth > 0 {
		s.Recall = float64(hits) / float64(truth)
	}
	return s
}

// Evaluate scores a report against the ground truth: duplicate pairs
// (unordered), outlier-access findings against the extra grants (overall
// and per cause), and identity-level recall of the planted outliers by
// the check that should catch each kind. Checks that did not run are not
// scored.
func (t *Truth) Evaluate(rep *Report) []Score {
	var out []Score
	if t.files["duplicates.csv"] && rep.Stat(CheckDuplicateIdentity) != nil {
		truth := map[[2]string]bool{}
		for _, p := range t.Duplicates {
			truth[ordered(p[0], p[1])] = true
		}
		hits, found := 0, 0
		for _, f := range rep.Findings {
			if f.Check == CheckDuplicateIdentity && f.Severity != SeverityNotice {
				found++
				if truth[ordered(f.SubjectID, f.RelatedID)] {
					hits++
				}
			}
		}
		out = append(out, newScore(CheckDuplicateIdentity, found, len(truth), hits))
	}
	if t.files["noise_assignments.csv"] && rep.Stat(CheckOutlierAccess) != nil {
		out = append(out, t.evaluateOutliers(rep)...)
	}
	if t.files["outliers.csv"] {
		out = append(out, t.evaluateKinds(rep)...)
	}
	return out
}

func ordered(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// evaluateOutliers scores outlier-access findings against the extra
// grants: overall, without the second identities' copies (which their job
// peers share by construction) and per cause (recall only).
func (t *Truth) evaluateOutliers(rep *Report) []Score {
	found, hits, hitsNoDup := 0, 0, 0
	perCause := map[string]int{}
	for _, f := range rep.Findings {
		if f.Check != CheckOutlierAccess || f.Severity == SeverityNotice {
			continue
		}
		found++
		if cause, ok := t.Extra[[2]string{f.SubjectID, f.RelatedID}]; ok {
			hits++
			perCause[cause]++
			if cause != "duplicate" {
				hitsNoDup++
			}
		}
	}
	total := map[string]int{}
	for _, cause := range t.Extra {
		total[cause]++
	}
	out := []Score{newScore(CheckOutlierAccess, found, len(t.Extra), hits)}
	out = append(out, newScore(CheckOutlierAccess+" (extra grants less duplicate copies)", found, len(t.Extra)-total["duplicate"], hitsNoDup))
	causes := make([]string, 0, len(total))
	for c := range total {
		causes = append(causes, c)
	}
	sort.Strings(causes)
	for _, c := range causes {
		s := newScore(CheckOutlierAccess+" cause "+c, perCause[c], total[c], perCause[c])
		s.Precision = 0 // per cause only recall is meaningful
		out = append(out, s)
	}
	return out
}

// kindChecks maps a planted outlier kind to the check that should flag the
// identity.
var kindChecks = map[string]string{
	"duplicate":          CheckDuplicateIdentity,
	"mover":              CheckOutlierAccess,
	"sod_violation":      CheckSoDViolation,
	"leaver_with_access": CheckTerminatedAccess,
	"orphan_owner":       CheckNonHumanOwner,
}

// evaluateKinds gives, per planted outlier kind, the share of its
// identities flagged by the matching check, and the precision of that
// check at identity level.
func (t *Truth) evaluateKinds(rep *Report) []Score {
	flagged := map[string]map[string]bool{}
	for _, f := range rep.Findings {
		if f.Severity == SeverityNotice || f.Identity < 0 && f.SubjectType != SubjectIdentity {
			continue
		}
		if flagged[f.Check] == nil {
			flagged[f.Check] = map[string]bool{}
		}
		id := f.SubjectID
		if f.SubjectType != SubjectIdentity {
			id = f.RelatedID
		}
		flagged[f.Check][id] = true
		if f.Check == CheckDuplicateIdentity {
			flagged[f.Check][f.RelatedID] = true
		}
	}
	kinds := make([]string, 0, len(t.Outliers))
	for k := range t.Outliers {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var out []Score
	for _, k := range kinds {
		check, ok := kindChecks[k]
		if !ok || rep.Stat(check) == nil {
			continue
		}
		ids := map[string]bool{}
		for _, id := range t.Outliers[k] {
			ids[id] = true
		}
		hits := 0
		for id := range ids {
			if flagged[check][id] {
				hits++
			}
		}
		s := newScore("identities planted as "+k+" flagged by "+check, len(flagged[check]), len(ids), hits)
		if k == "mover" {
			s.Precision = 0 // outlier access has many causes besides moves
		}
		out = append(out, s)
	}
	return out
}
