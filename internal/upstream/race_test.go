//go:build race

package upstream

// raceEnabled: the race detector drops sync.Pool items at random.
const raceEnabled = true
