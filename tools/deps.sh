# Sourced by run-tests and run-demo: the Debian packages tix needs, installed only when missing.
TIX_DEB_PACKAGES=(build-essential cmake ninja-build pkg-config clang
  libzmq3-dev libsodium-dev libhdf5-dev hdf5-tools libcmocka-dev libcurl4-openssl-dev
  libjson-c-dev libconfig-dev libjemalloc-dev libmicrohttpd-dev zlib1g-dev python3 python3-h5py python3-numpy python3-nacl)

tix_install_deps() {
  local missing=()
  for p in "${TIX_DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "tix: installing missing packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
