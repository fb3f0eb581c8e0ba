package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
)

// TestSIGTERMDrainsInFlight runs the real binary: SIGTERM arrives while a
// query waits on a slow CRM; the query still gets its data, and the process
// logs the drain and exits 0.
func TestSIGTERMDrainsInFlight(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "crm-gateway")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	emu := emulator.New(emulator.Options{Token: synergyTestToken, Delay: 800 * time.Millisecond})
	crm := httptest.NewServer(emu)
	defer crm.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "LISTEN_ADDR="+addr, "SYNERGY_BASE_URL="+crm.URL+"/api/v1", "SYNERGY_TOKEN="+synergyTestToken, "AUTH_MODE=none")
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	base := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if i > 200 {
			t.Fatalf("the gateway did not become ready: %s", logs.String())
		}
		time.Sleep(25 * time.Millisecond)
	}

	answer := make(chan string, 1)
	go func() {
		resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ contacts(first: 2) { nodes { firstName } } }"}`))
		if err != nil {
			answer <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- string(b)
	}()
	for i := 0; emu.Count() == 0; i++ { // the query has reached the CRM
		if i > 400 {
			t.Fatal("the query never reached the CRM")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got := <-answer; !strings.Contains(got, `"firstName":"`) {
		t.Fatalf("the in-flight query was cut: %s\n%s", got, logs.String())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "draining in-flight requests") || !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Fatalf("shutdown not logged:\n%s", logs.String())
	}
}
