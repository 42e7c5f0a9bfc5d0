"""The trusted side: score a sandbox's answer with the hidden tests, in a process where no
student code ever ran. Everything it reads from a sandbox is validated and bounded first."""
