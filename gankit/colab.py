"""Where the labs come from: the repository URL (in this one place) and the set-up cell every lab opens with."""
REPO = "gankit/gankit"
REPO_URL = f"https://github.com/{REPO}"
BRANCH = "main"


def badge(lab: str) -> str:
    """Markdown for the 'Open in Colab' badge of a released lab."""
    url = f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/notebooks/{lab}/{lab}.ipynb"
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


SETUP_CELL = f'''# Set-up: install gankit where it is missing (Colab), then pick the device (GPU where there is one).
import importlib.util, subprocess, sys
if importlib.util.find_spec("gankit") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "gankit @ git+{REPO_URL}@{BRANCH}"])
import gankit
device = gankit.device()
print(f"gankit {{gankit.__version__}} on {{device}}")'''
