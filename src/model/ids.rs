//! The identities of a model's parts. A parameter is named by its place in
//! [`super::Model::parameters`], and that place is a [`ParameterId`], never a bare integer: the
//! compiled expressions, the list of uncertain parameters, the studies' findings and the
//! conditions all carry one, and index the parameters (or a path's parameter values) with it.
//! The sampler's columns (the uncertain parameters' order, which correlations name) are plain
//! positions in that list.

use std::ops::Index;

use serde::Serialize;

use super::Parameter;

/// A parameter of the model: its place in the model's parameters, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ParameterId(pub u32);

impl ParameterId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl Index<ParameterId> for [Parameter] {
    type Output = Parameter;

    fn index(&self, id: ParameterId) -> &Parameter {
        &self[id.index()]
    }
}

impl Index<ParameterId> for Vec<Parameter> {
    type Output = Parameter;

    fn index(&self, id: ParameterId) -> &Parameter {
        &self[id.index()]
    }
}

/// A path's parameter values, one per parameter, read by id.
impl Index<ParameterId> for [f64] {
    type Output = f64;

    fn index(&self, id: ParameterId) -> &f64 {
        &self[id.index()]
    }
}
