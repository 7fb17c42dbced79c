package eval

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/integrate"
	"gonum.org/v1/gonum/stat"
)

const tol = 1e-12

func TestROCAUC(t *testing.T) {
	for _, test := range []struct {
		name   string
		scores []float64
		labels []bool
		want   float64
	}{
		// scikit-learn's roc_auc_score docs example: 3 of 4 pairs ordered.
		{"sklearn", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75},
		// One tie between the classes counts one half: (1 + 0.5) / 2.
		{"tie", []float64{0.5, 0.5, 0.9}, []bool{true, false, true}, 0.75},
		{"all tied", []float64{1, 1, 1, 1}, []bool{true, false, true, false}, 0.5},
		{"reversed", []float64{1, 2, 3}, []bool{true, false, false}, 0},
		{"perfect", []float64{3, 2, 1}, []bool{true, true, false}, 1},
	} {
		got, err := ROCAUC(test.scores, test.labels)
		if err != nil {
			t.Fatalf("%s: %v", test.name, err)
		}
		if math.Abs(got-test.want) > tol {
			t.Errorf("%s: auc %v, want %v", test.name, got, test.want)
		}
	}
}

// TestROCAUCGonum compares with the trapezoidal area under gonum's
// stat.ROC curve over all distinct cutoffs, which treats ties the same way.
func TestROCAUCGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := range 20 {
		n := 50 + trial*37
		scores := make([]float64, n)
		labels := make([]bool, n)
		for i := range scores {
			labels[i] = rng.Float64() < 0.7
			s := float64(rng.IntN(20)) // many ties
			if labels[i] {
				s += 3
			}
			scores[i] = s
		}
		y, c := slices.Clone(scores), slices.Clone(labels)
		stat.SortWeightedLabeled(y, c, nil)
		tpr, fpr, _ := stat.ROC(nil, y, c, nil)
		want := integrate.Trapezoidal(fpr, tpr)
		got, err := ROCAUC(scores, labels)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("trial %d: auc %v, gonum %v", trial, got, want)
		}
	}
}

func TestMetricErrors(t *testing.T) {
	if _, err := ROCAUC([]float64{1, 2}, []bool{true, true}); !errors.Is(err, ErrOneClass) {
		t.Errorf("one class: err %v, want ErrOneClass", err)
	}
	if _, err := ROCAUC([]float64{1, math.NaN()}, []bool{true, false}); err == nil || err.Error() != "eval: score 1 is NaN" {
		t.Errorf("NaN: err %v", err)
	}
	if _, err := AveragePrecision([]float64{1}, []bool{false}); !errors.Is(err, ErrOneClass) {
		t.Errorf("no approvals: err %v, want ErrOneClass", err)
	}
	if _, err := Brier([]float64{1.5}, []bool{true}); err == nil {
		t.Error("brier of 1.5: no error")
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("length mismatch did not panic")
		}
	}()
	ROCAUC([]float64{1}, nil)
}

func TestAveragePrecision(t *testing.T) {
	for _, test := range []struct {
		name   string
		scores []float64
		labels []bool
		want   float64
	}{
		// scikit-learn's average_precision_score docs example: 0.8333….
		{"sklearn", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 5.0 / 6},
		// Ties enter together: one threshold with precision 2/4.
		{"tied", []float64{1, 1, 1, 1}, []bool{true, false, true, false}, 0.5},
		// Hand: ranks T F T → 1·½ + (2/3)·½.
		{"hand", []float64{3, 2, 1}, []bool{true, false, true}, 0.5 + 1.0/3},
	} {
		got, err := AveragePrecision(test.scores, test.labels)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-test.want) > tol {
			t.Errorf("%s: ap %v, want %v", test.name, got, test.want)
		}
	}
}

func TestBrier(t *testing.T) {
	// scikit-learn's brier_score_loss docs example: 0.0375.
	got, err := Brier([]float64{0.1, 0.9, 0.8, 0.3}, []bool{false, true, true, false})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-0.0375) > tol {
		t.Errorf("brier %v, want 0.0375", got)
	}
}

func TestReliability(t *testing.T) {
	probs := []float64{0.05, 0.15, 0.95, 1, 0.9, 0.92}
	labels := []bool{false, true, true, true, false, true}
	bins, ece, err := Reliability(probs, labels, 2)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: [0, .5) holds .05, .15 (mean .1, 1 of 2 approved);
	// [.5, 1] holds .95, 1, .9, .92 (mean .9425, 3 of 4 approved).
	// ECE = 2/6·|.1 − .5| + 4/6·|.9425 − .75| = 0.261666….
	want := []Bin{
		{Lo: 0, Hi: 0.5, N: 2, MeanProb: 0.1, Approved: 0.5},
		{Lo: 0.5, Hi: 1, N: 4, MeanProb: 0.9425, Approved: 0.75},
	}
	if diff := cmp.Diff(want, bins, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("bins (-want +got):\n%s", diff)
	}
	if math.Abs(ece-(2.0/6*0.4+4.0/6*0.1925)) > tol {
		t.Errorf("ece %v", ece)
	}
}

func TestSweep(t *testing.T) {
	scores := []float64{0.9, 0.8, 0.8, 0.3}
	labels := []bool{true, true, false, true}
	got, err := Sweep(scores, labels)
	if err != nil {
		t.Fatal(err)
	}
	// By hand, thresholds descending; ties at 0.8 enter together.
	want := []Point{
		{Threshold: 0.9, Approved: 1, Correct: 1, Precision: 1, Recall: 1.0 / 3, Coverage: 0.25},
		{Threshold: 0.8, Approved: 3, Correct: 2, Precision: 2.0 / 3, Recall: 2.0 / 3, Coverage: 0.75},
		{Threshold: 0.3, Approved: 4, Correct: 3, Precision: 0.75, Recall: 1, Coverage: 1},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("sweep (-want +got):\n%s", diff)
	}
}

func TestEvaluateGroups(t *testing.T) {
	probs := []float64{0.9, 0.8, 0.2, 0.7, 0.6}
	labels := []bool{true, true, false, true, true}
	groups := []string{"high", "high", "high", "low", "low"}
	rep, err := Evaluate(probs, labels, groups, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Groups) != 2 || rep.Groups[0].Group != "high" || rep.Groups[1].Group != "low" {
		t.Fatalf("groups %+v", rep.Groups)
	}
	if rep.Groups[0].ROCAUC != 1 || rep.Overall.ROCAUC != 1 {
		t.Errorf("auc high %v overall %v, want 1", rep.Groups[0].ROCAUC, rep.Overall.ROCAUC)
	}
	// Group "low" has approvals only: ROC AUC and the denials' PR AUC are
	// undefined and reported.
	if !math.IsNaN(rep.Groups[1].ROCAUC) {
		t.Errorf("low auc %v, want NaN", rep.Groups[1].ROCAUC)
	}
	want := []Warning{
		{Group: "low", Message: "roc auc undefined: 2 decisions, 2 approved"},
		{Group: "low", Message: "pr auc of denials undefined: 2 decisions, 2 approved"},
	}
	if diff := cmp.Diff(want, rep.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
