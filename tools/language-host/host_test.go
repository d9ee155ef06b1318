package main

import (
	"os"
	"path/filepath"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeProject lays out a program with scoped, nested and symlinked packages.
func fakeProject(t *testing.T) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "package.json"),
		`{"name":"p","dependencies":{"@pulumi/pulumi":"^3.0.0","@pulumi/kubernetes":"4.25.0"},"devDependencies":{"typescript":"^5"}}`)
	nm := filepath.Join(dir, "node_modules")
	writeFile(t, filepath.Join(nm, "@pulumi/pulumi/package.json"),
		`{"name":"@pulumi/pulumi","version":"3.248.0","pulumi":{"comment":"not a resource plugin"}}`)
	writeFile(t, filepath.Join(nm, "@pulumi/kubernetes/package.json"),
		`{"name":"@pulumi/kubernetes","version":"4.25.0","pulumi":{"resource":true,"name":"kubernetes","version":"4.25.0"}}`)
	writeFile(t, filepath.Join(nm, "typescript/package.json"), `{"name":"typescript","version":"5.9.3"}`)
	// Nested copy of another provider, named from the package name, version from "version".
	writeFile(t, filepath.Join(nm, "typescript/node_modules/@pulumi/command/package.json"),
		`{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true,"server":"https://example.invalid"}}`)
	// A symlinked package pointing back to an already-seen one is visited once.
	if err := os.Symlink(filepath.Join(nm, "typescript"), filepath.Join(nm, "ts-alias")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(nm, ".bin/ignored/package.json"), `{"name":"ignored","version":"0"}`)
	return dir
}

func TestFindResourcePlugins(t *testing.T) {
	plugins, err := findResourcePlugins(fakeProject(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []resourcePlugin{
		{name: "command", version: "v1.2.1", server: "https://example.invalid"},
		{name: "kubernetes", version: "v4.25.0"},
	}
	if len(plugins) != len(want) {
		t.Fatalf("got %+v, want %+v", plugins, want)
	}
	for i := range want {
		if plugins[i] != want[i] {
			t.Errorf("plugin %d: got %+v, want %+v", i, plugins[i], want[i])
		}
	}
}

func TestFindResourcePluginsWithoutNodeModules(t *testing.T) {
	plugins, err := findResourcePlugins(t.TempDir())
	if err != nil || len(plugins) != 0 {
		t.Fatalf("got %v, %v; want no plugins and no error", plugins, err)
	}
}

func TestProgramDependencies(t *testing.T) {
	dir := fakeProject(t)
	direct, err := programDependencies(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range direct {
		got[d.Name] = d.Version
	}
	want := map[string]string{"@pulumi/pulumi": "3.248.0", "@pulumi/kubernetes": "4.25.0", "typescript": "5.9.3"}
	if len(got) != len(want) {
		t.Fatalf("direct: got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("direct %s: got %q, want %q", k, got[k], v)
		}
	}
	all, err := programDependencies(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 { // pulumi, kubernetes, typescript, nested command
		t.Errorf("transitive: got %d packages (%v), want 4", len(all), all)
	}
}

func TestOptions(t *testing.T) {
	h := &languageHost{defaults: runtimeOptions{typescript: true}}
	if o := h.options(nil); !o.typescript || o.nodeargs != "" {
		t.Errorf("defaults: %+v", o)
	}
	opts, err := structpb.NewStruct(map[string]any{
		"typescript": false, "nodeargs": "--max-old-space-size=4096", "tsconfig": "tsconfig.ci.json", "packagemanager": "npm",
	})
	if err != nil {
		t.Fatal(err)
	}
	o := h.options(&pulumirpc.ProgramInfo{Options: opts})
	if o.typescript || o.nodeargs != "--max-old-space-size=4096" || o.tsconfig != "tsconfig.ci.json" || o.packagemanager != "npm" {
		t.Errorf("from ProgramInfo: %+v", o)
	}
}

func TestProgramDir(t *testing.T) {
	if d := programDir(&pulumirpc.ProgramInfo{ProgramDirectory: "/p"}, "/pwd"); d != "/p" {
		t.Errorf("got %q", d)
	}
	if d := programDir(nil, "", "/pwd"); d != "/pwd" {
		t.Errorf("got %q", d)
	}
}
