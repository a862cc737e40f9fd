"""Fail early, with the apt command, when a Python dependency of the training pipeline is missing.
The pipeline never installs anything itself."""
import importlib
import sys

APT_PACKAGES = {'torch': 'python3-torch', 'numpy': 'python3-numpy', 'onnx': 'python3-onnx'}


def require_python_packages() -> None:
    missing = []
    for module, package in APT_PACKAGES.items():
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(package)
    if missing:
        sys.stderr.write(
            'model training needs the Debian packages ' + ' '.join(APT_PACKAGES.values()) + '.\n'
            'Missing: ' + ' '.join(missing) + '\n'
            'Install them with: sudo apt-get install ' + ' '.join(missing) + '\n'
            '(run with /usr/bin/python3 so that the Debian packages are found)\n')
        sys.exit(3)
