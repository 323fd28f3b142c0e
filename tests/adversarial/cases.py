"""The untrusted-program suite ships in the package (`ecco selftest` runs it); tests load it from there."""

from ecco_tui.services.selftest.cases import AdversarialCase, adversarial_limits, load_adversarial_cases

__all__ = ["AdversarialCase", "adversarial_limits", "load_adversarial_cases"]
