package score

import (
	"context"
	"testing"
)

// A token every request shares (one risk tier, one kind of requester)
// carries no information and must not disturb the scores: the model stays
// as close to the true probabilities as without it.
func TestBacktestIgnoresConstantTokens(t *testing.T) {
	reqs, truth := syntheticRequests(4000, false, 1)
	for k := range reqs {
		reqs[k].Attributes = append(reqs[k].Attributes, "risk=low", "kind=human")
	}
	bt, err := RunBacktest(context.Background(), NewFeaturizer(nil, nil), reqs, DefaultBacktestOptions)
	if err != nil {
		t.Fatal(err)
	}
	checkNearOracle(t, bt, truth)
}
