// The torchrun / Slurm environment of a data-parallel rank (core/train/distributed_env.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/train/distributed_env.h"

namespace {

using namespace depthscope;

// Sets the variables for one test and removes every launcher variable afterwards.
class DistEnvTest : public ::testing::Test {
 protected:
  void TearDown() override { clear(); }
  static void clear() {
    for (const char* v : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID", "SLURM_NTASKS",
                          "SLURM_LOCALID"})
      unsetenv(v);
  }
  static void set(const std::vector<std::pair<const char*, const char*>>& vars) {
    clear();
    for (const auto& [k, v] : vars) setenv(k, v, 1);
  }
  static std::string error() {
    try {
      dist_env_from_environment();
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(DistEnvTest, NoLauncherIsOneProcess) {
  clear();
  const DistEnv e = dist_env_from_environment();
  EXPECT_EQ(e.world, 1);
  EXPECT_FALSE(e.active());
}

TEST_F(DistEnvTest, TorchrunVariables) {
  set({{"RANK", "3"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "10.0.0.7"}, {"MASTER_PORT", "29400"}});
  const DistEnv e = dist_env_from_environment();
  EXPECT_TRUE(e.active());
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.world, 8);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.master_addr, "10.0.0.7");
  EXPECT_EQ(e.master_port, 29400);
}

TEST_F(DistEnvTest, SlurmVariablesMapToRankAndWorld) {
  set({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "16"}, {"SLURM_LOCALID", "1"}, {"MASTER_ADDR", "node01"}});
  const DistEnv e = dist_env_from_environment();
  EXPECT_EQ(e.rank, 5);
  EXPECT_EQ(e.world, 16);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.master_addr, "node01");
  EXPECT_EQ(e.master_port, 29500);
  // torchrun's variables win over Slurm's (torchrun inside an allocation).
  set({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}, {"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}});
  EXPECT_EQ(dist_env_from_environment().rank, 1);
  // A single Slurm task is one process.
  set({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}});
  EXPECT_FALSE(dist_env_from_environment().active());
}

TEST_F(DistEnvTest, BadValuesNameTheVariable) {
  set({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}});
  EXPECT_NE(error().find("RANK=2 must be an integer in [0, 1]"), std::string::npos) << error();
  set({{"RANK", "x"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}});
  EXPECT_NE(error().find("RANK=x"), std::string::npos) << error();
  set({{"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}});
  EXPECT_NE(error().find("RANK is not set"), std::string::npos) << error();
  set({{"RANK", "0"}, {"WORLD_SIZE", "2"}});
  EXPECT_NE(error().find("MASTER_ADDR is not set"), std::string::npos) << error();
  set({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "4"}});
  EXPECT_NE(error().find("scontrol show hostnames"), std::string::npos) << error();
  set({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}});
  EXPECT_NE(error().find("MASTER_PORT=70000"), std::string::npos) << error();
}

TEST(DistBackend, ChosenByDeviceAndCheckedAgainstTheBuild) {
  if (dist_has_gloo()) EXPECT_EQ(resolve_dist_backend("", "cpu"), "gloo");
  else EXPECT_THROW(resolve_dist_backend("", "cpu"), UsageError);
  if (!dist_has_nccl()) {
    try {
      resolve_dist_backend("nccl", "cuda");
      ADD_FAILURE() << "nccl accepted without NCCL";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("this build has no NCCL"), std::string::npos);
    }
    if (dist_has_gloo()) EXPECT_EQ(resolve_dist_backend("", "cuda"), "gloo");  // cuda without NCCL: Gloo
  }
  EXPECT_THROW(resolve_dist_backend("mpi", "cpu"), UsageError);
}

}  // namespace
