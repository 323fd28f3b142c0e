"""The app's screens: browser → compare → test detail; spectrum and trajectories from either."""
