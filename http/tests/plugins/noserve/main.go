// Noserve is a plugin that does not serve HTTP: it never imports
// gohosthttp, so it lacks the export the host calls.
package main

func main() {}
