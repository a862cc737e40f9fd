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


def recommend_openblas() -> None:
    """Training works with any BLAS, but Debian's reference BLAS makes it several times slower (train.py then
    routes products through oneDNN convolutions); say so once, install nothing."""
    import glob
    if not glob.glob('/usr/lib/*/openblas*/libblas.so*'):
        sys.stderr.write('note: Debian\'s OpenBLAS is not installed; training runs slower. '
                         'To speed it up: sudo apt-get install libopenblas0-openmp\n')
