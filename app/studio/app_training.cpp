// The App's side of the Training tab: the form's start-up choices, the
// config shown in it, and the training Commands, whose errors end up in the
// error popup naming the file and the reason.
#include "app.h"
#include "failure_text.h"

#include "plot/curves_csv.h"
#include "workers/training_setup.h"

#include "base/errors.h"

#include <algorithm>
#include <ctime>

namespace mae::studio {

void App::init_training_form() {
  TrainingForm& f = state_.training.form;
  f.configs = find_train_configs(train_configs_dir());
  f.steps = options_.train_steps;
  f.out_dir = options_.train_out;
  f.resume = options_.train_resume;
  const std::string chosen =
      options_.train_config.empty() ? preferred_train_config(f.configs) : options_.train_config;
  if (!chosen.empty())
    choose_train_config(chosen);
  if (options_.training())
    state_.tab = Tab::Training;
  if (!options_.watch_run.empty()) {
    state_.training.watch_input = state_.training.watch_dir = options_.watch_run;
    state_.tab = Tab::Training;
  }
}

void App::choose_train_config(const std::string& path) {
  TrainingForm& f = state_.training.form;
  f.config_path = path;
  if (std::find(f.configs.begin(), f.configs.end(), path) == f.configs.end())
    f.configs.push_back(path);
  try {
    f.config = std::make_shared<const TrainConfig>(load_train_config(path));
    f.config_error.clear();
  } catch (const Error& e) {
    f.config.reset();
    f.config_error = e.what();
    state_.errors.push_back(
        {"Cannot read the training config", failure_text(path, e.what(), "config", "")});
  }
}

void App::run_training_command(Command::Kind kind) {
  UiState& st = state_;
  try {
    switch (kind) {
    case Command::Kind::StartTraining:
      training_.start(st, std::time(nullptr));
      st.show_tab(Tab::Training);
      break;
    case Command::Kind::PauseTraining:
      training_.pause();
      break;
    case Command::Kind::ResumeTraining:
      training_.resume();
      break;
    case Command::Kind::StopTraining:
      training_.stop();
      st.training.stop_requested = true;
      break;
    case Command::Kind::SaveCheckpoint:
      training_.save_checkpoint(st);
      break;
    case Command::Kind::OpenInExplorer:
      training_.open_in_explorer(st);
      break;
    default:
      break;
    }
  } catch (const Error& e) {
    const TrainingForm& f = st.training.form;
    const std::string file = f.resume.empty() ? f.config_path : f.resume;
    const std::string text = failure_text(file, e.what(), "run", "");
    // A config that could not be read has said so already.
    if (st.errors.empty() || st.errors.back().message != text)
      st.errors.push_back({"Cannot start training", text});
  }
}

void App::export_curves(const std::string& path) {
  if (!state_.training.snapshot)
    return;
  try {
    write_curves_csv(path, *state_.training.snapshot);
    state_.status = "exported the curves to " + path;
  } catch (const Error& e) {
    state_.errors.push_back({"Cannot export the curves", failure_text(path, e.what())});
  }
}

bool App::should_close() {
  TrainingUi& t = state_.training;
  if (t.quitting && !training_.active())
    return true; // the run has stopped and saved its checkpoint
  if (!glfwWindowShouldClose(window_))
    return false;
  if (!training_.active() || t.quitting)
    return true; // nothing to wait for, or closed a second time
  glfwSetWindowShouldClose(window_, GLFW_FALSE);
  training_.stop();
  t.stop_requested = t.quitting = true;
  return false;
}

} // namespace mae::studio
