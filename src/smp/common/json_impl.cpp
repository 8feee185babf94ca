// Boost.JSON compiled into the core library, once, for every user (the protocol's JSON
// fields, the CLI's key file and output, the tests' vector files).
#include <boost/json/src.hpp>
