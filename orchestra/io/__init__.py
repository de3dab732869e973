"""Reading inputs: workbooks and CSV folders into a checked ``Network``; profiles from models/."""

from orchestra.io.loader import Loaded, load, load_frames, load_network, network_from_frames

__all__ = ["Loaded", "load", "load_frames", "load_network", "network_from_frames"]
