// The whole public API of strait.
#pragma once

#include <strait/channel.hpp>
#include <strait/copydata.hpp>
#include <strait/discovery.hpp>
#include <strait/endpoint.hpp>
#include <strait/error.hpp>
#include <strait/mailslot.hpp>
#include <strait/named_object.hpp>
#include <strait/native_handle.hpp>
#include <strait/process.hpp>
#include <strait/shared_memory.hpp>
#include <strait/sync.hpp>
#include <strait/version.hpp>
